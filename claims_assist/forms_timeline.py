"""Forms of the case page's documents and timeline panels (CLM-8..CLM-10). They only
read input; the services check every rule."""

from django import forms
from django.utils.translation import gettext_lazy as _

from claims_assist.models import CaseDocument, CaseType, ClaimCase, PaymentRequest
from claims_assist.services import documents as documents_service
from claims_assist.services.timeline import MESSAGE_MAX

MONEY = {"max_digits": 14, "decimal_places": 2}


class CaseTypeForm(forms.Form):
    case_type = forms.ModelChoiceField(
        label=_("Case type"),
        queryset=CaseType.objects.filter(is_active=True),
        help_text=_("It decides which documents are needed (CLM-8)."),
    )


class DocumentUploadForm(forms.Form):
    kind = forms.ModelChoiceField(label=_("Document"), queryset=None)
    file = forms.FileField(
        label=_("Scan"),
        help_text=_("A PDF or a JPEG, PNG or WebP image."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=CaseDocument._meta.get_field("note").max_length,
    )

    def __init__(self, *args, case: ClaimCase, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = documents_service.allowed_kinds(case=case)


class DocumentRemoveForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is removed"),
        max_length=CaseDocument._meta.get_field("removed_reason").max_length,
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea({"rows": 2}))


class SpecialForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the case is special or complex"), widget=forms.Textarea({"rows": 2})
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ClaimCase.Decision.PAY, ClaimCase.Decision.PAY.label),
            (ClaimCase.Decision.REFUSE, ClaimCase.Decision.REFUSE.label),
        ],
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(label=_("Amount to pay (yuan)"), required=False, **MONEY)
    reason = forms.CharField(
        label=_("Reasons"),
        required=False,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("Required for a refusal: they are printed on the refusal letter."),
    )
    false_claim = forms.BooleanField(
        label=_("Proven false claim: put the insured on the watch list (CLM-16)"),
        required=False,
    )


class PaymentRequestForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (yuan)"), min_value=0, **MONEY)
    payee_name = forms.CharField(
        label=_("Payee"), max_length=PaymentRequest._meta.get_field("payee_name").max_length
    )
    payee_id_number = forms.CharField(label=_("Payee ID number"), max_length=30)
    bank_name = forms.CharField(
        label=_("Bank"), max_length=PaymentRequest._meta.get_field("bank_name").max_length
    )
    bank_account = forms.CharField(
        label=_("Bank account"), max_length=40, help_text=_("12 to 30 digits.")
    )


class PaymentPaidForm(forms.Form):
    reference = forms.CharField(
        label=_("Payment reference"),
        max_length=PaymentRequest._meta.get_field("payment_reference").max_length,
    )


class PaymentCancelForm(forms.Form):
    reason = forms.CharField(label=_("Why it is cancelled"), max_length=500)


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message to the customer"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea({"rows": 3, "maxlength": MESSAGE_MAX}),
        help_text=_("Sent by SMS to the reporter's phone; at most 300 characters."),
    )
