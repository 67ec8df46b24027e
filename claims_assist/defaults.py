"""The default claims settings and the CLM-8 document checklists of DOMAIN.md.

Created on migrate (and after a test flush) when missing, never overwritten: a manager's
change in the admin wins.
"""

# CLM-8: the kinds of claim document, in checklist order.
DOCUMENT_KINDS = [
    ("policy", "保险单或保险凭证"),
    ("premium_receipt", "保费收据"),
    ("insured_id", "被保险人身份证明"),
    ("beneficiary_id", "受益人身份证明"),
    ("claim_form", "索赔申请书"),
    ("bank_account", "银行账户信息"),
    ("accident_proof", "事故证明"),
    ("death_proof", "死亡证明"),
    ("household_deregistration", "户籍注销证明"),
    ("disability_assessment", "伤残鉴定书"),
    ("medical_records", "病历资料"),
    ("itemised_bills", "费用明细清单"),
    ("original_receipts", "医疗费用原始发票"),
    ("repair_invoices", "修理或财产损失发票"),
    ("travel_ticket", "车船票或登机牌"),
    ("power_of_attorney", "授权委托书"),
]

BASIC = ["policy", "premium_receipt", "insured_id", "claim_form", "bank_account"]
MEDICAL = ["medical_records", "itemised_bills", "original_receipts"]

# CLM-8: case type → its documents; the basic set first, then the type's own.
CASE_TYPES = [
    (
        "accident_death",
        "意外身故",
        [*BASIC, "beneficiary_id", "accident_proof", "death_proof", "household_deregistration"],
    ),
    (
        "accident_disability",
        "意外伤残",
        [*BASIC, "accident_proof", "disability_assessment", "medical_records"],
    ),
    ("accident_medical", "意外医疗", [*BASIC, "accident_proof", *MEDICAL]),
    ("medical", "门诊、住院医疗", [*BASIC, *MEDICAL]),
    ("hospital_allowance", "住院津贴", [*BASIC, "medical_records"]),
    (
        "transport_death",
        "乘坐交通工具意外身故",
        [
            *BASIC,
            "beneficiary_id",
            "accident_proof",
            "death_proof",
            "household_deregistration",
            "travel_ticket",
        ],
    ),
    ("property", "财产损失", [*BASIC, "accident_proof", "repair_invoices"]),
    ("agriculture", "种植、养殖、林木损失", [*BASIC, "accident_proof"]),
]


def ensure_claims_defaults() -> None:
    from claims_assist.models import CaseType, ClaimsSettings, DocumentKind, DocumentRequirement

    ClaimsSettings.objects.get_or_create(county=None)
    kinds = {}
    for position, (code, name) in enumerate(DOCUMENT_KINDS):
        kinds[code], _created = DocumentKind.objects.get_or_create(
            code=code, defaults={"name": name, "position": position}
        )
    for position, (code, name, documents) in enumerate(CASE_TYPES):
        case_type, created = CaseType.objects.get_or_create(
            code=code, defaults={"name": name, "position": position}
        )
        if created:
            DocumentRequirement.objects.bulk_create(
                DocumentRequirement(case_type=case_type, kind=kinds[kind], position=index)
                for index, kind in enumerate(documents)
            )
