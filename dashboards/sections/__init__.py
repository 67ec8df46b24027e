"""The dashboard's sections in page order; each module has `build(*, scope) -> Section`."""
