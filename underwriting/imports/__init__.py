"""Household-list import (UW-3, UW-4, UW-5, UW-10): reading the sheets counties really
use, finding their columns, checking each row and reporting back.

- headers: where the header is and which column holds which field (synonyms, two-row
  merged headers, units in the header).
- reader: streams rows from xlsx (openpyxl read-only) and csv (UTF-8 or GB18030).
- validation: parses and checks one row at a time, with the exact premium split.
- report: the original rows with a column of errors and warnings beside each row.

The service that runs an import is underwriting.services.imports.
"""
