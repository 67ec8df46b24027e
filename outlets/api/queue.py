"""Counter queue endpoints (OUT-12, OUT-14, OUT-15), also for a ticket kiosk or another
system under an API client account: issue a ticket, the waiting list, call next, serve,
done, left, told of a longer wait, rate; waits per day; consultations; evaluations and
the satisfaction rate.

One APIView per operation; reads go through outlets.selectors_queue (404 outside the
caller's branch), writes through the services (read-only roles get 403).
"""

from django.core.exceptions import ValidationError
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import check_can_write
from core.api.serializers import MaskedCharField, OrgUnitRefSerializer, UserRefSerializer
from outlets import selectors_queue as selectors
from outlets.models import Consultation, Evaluation, QueueTicket
from outlets.services import consultations as consultation_services
from outlets.services import evaluations as evaluation_services
from outlets.services import queue as queue_services
from outlets.views.queue import rating_url


# --- Serializers ---------------------------------------------------------------------------
class QueueTicketOutputSerializer(serializers.ModelSerializer):
    outlet = OrgUnitRefSerializer()
    label = serializers.CharField(help_text="Printed number: purpose letter and number, A012.")
    purpose = serializers.CharField(help_text="consultation, complaint, issuance, claim, change")
    purpose_label = serializers.CharField(source="get_purpose_display")
    state = serializers.CharField(help_text="waiting, called, serving, done, left")
    state_label = serializers.CharField(source="get_state_display")
    served_by = UserRefSerializer(allow_null=True)
    wait_timer = serializers.IntegerField(
        source="wait_timer_id", allow_null=True, help_text="The OUT-12 timer, if the rule applies."
    )
    rating_url = serializers.SerializerMethodField()

    class Meta:
        model = QueueTicket
        fields = [
            "id",
            "outlet",
            "day",
            "number",
            "label",
            "purpose",
            "purpose_label",
            "state",
            "state_label",
            "issued_at",
            "called_at",
            "served_at",
            "done_at",
            "window",
            "served_by",
            "told_of_wait_at",
            "wait_timer",
            "wait_breached",
            "rating_url",
        ]

    def get_rating_url(self, ticket) -> str:
        """The public rating page printed as the ticket's QR code (OUT-15)."""
        return rating_url(ticket)


class WaitingTicketOutputSerializer(serializers.Serializer):
    ticket = QueueTicketOutputSerializer()
    waited_minutes = serializers.IntegerField()
    foreseen_minutes = serializers.IntegerField()
    over_limit_foreseen = serializers.BooleanField(
        help_text="OUT-12: a wait beyond 30 minutes is foreseen; tell the customer."
    )


class EvaluationOutputSerializer(serializers.ModelSerializer):
    outlet = OrgUnitRefSerializer()
    ticket = serializers.IntegerField(source="ticket_id", allow_null=True)
    rating_label = serializers.CharField(source="get_rating_display")
    channel = serializers.CharField(help_text="tablet or qr")
    satisfied = serializers.BooleanField()
    served_by = UserRefSerializer(allow_null=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "outlet",
            "ticket",
            "rating",
            "rating_label",
            "satisfied",
            "comment",
            "channel",
            "rated_at",
            "served_by",
        ]


class ConsultationOutputSerializer(serializers.ModelSerializer):
    outlet = OrgUnitRefSerializer()
    ticket = serializers.IntegerField(source="ticket_id", allow_null=True)
    customer_phone = MaskedCharField(kind="phone")
    topic = serializers.CharField(help_text="product, premium, service, claim, other")
    state = serializers.CharField(help_text="open or answered")
    reply_timer = serializers.IntegerField(source="reply_timer_id", allow_null=True)
    recorded_by = UserRefSerializer()
    answered_by = UserRefSerializer(allow_null=True)

    class Meta:
        model = Consultation
        fields = [
            "id",
            "outlet",
            "ticket",
            "customer_name",
            "customer_phone",
            "topic",
            "question",
            "state",
            "asked_at",
            "promised_reply_at",
            "reply_timer",
            "answer",
            "answered_at",
            "answered_by",
            "recorded_by",
        ]


def _ticket_response(ticket: QueueTicket, code: int = status.HTTP_200_OK) -> Response:
    return Response(QueueTicketOutputSerializer(ticket).data, status=code)


# --- Queue ---------------------------------------------------------------------------------
class QueueBoardApi(APIView):
    """OUT-12: the day's queue of an outlet: who waits (oldest first) and who is at a
    counter."""

    class OutputSerializer(serializers.Serializer):
        outlet = OrgUnitRefSerializer()
        day = serializers.DateField()
        waiting = WaitingTicketOutputSerializer(many=True)
        in_service = QueueTicketOutputSerializer(many=True)
        done = serializers.IntegerField()
        left = serializers.IntegerField()
        breaches = serializers.IntegerField(help_text="Waits over 30 minutes today (OUT-12).")

    @extend_schema(responses=OutputSerializer)
    def get(self, request, outlet_pk: int):
        outlet = selectors.queue_outlet_get(user=request.user, pk=outlet_pk)
        board = selectors.queue_board(outlet=outlet)
        return Response(self.OutputSerializer(board).data)


class TicketIssueApi(APIView):
    """OUT-12: issue the next ticket of the day (a kiosk or the clerk); numbers per
    outlet and day are never lost nor given twice."""

    class InputSerializer(serializers.Serializer):
        purpose = serializers.ChoiceField(choices=QueueTicket.Purpose.choices)

    @extend_schema(request=InputSerializer, responses={201: QueueTicketOutputSerializer})
    def post(self, request, outlet_pk: int):
        outlet = selectors.queue_outlet_get(user=request.user, pk=outlet_pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = queue_services.ticket_issue(
            outlet=outlet, purpose=data.validated_data["purpose"], by=request.user
        )
        return _ticket_response(ticket, status.HTTP_201_CREATED)


class CallNextApi(APIView):
    """Call the oldest waiting ticket to a window; 204 when nobody waits."""

    class InputSerializer(serializers.Serializer):
        window = serializers.CharField(
            max_length=queue_services.WINDOW_MAX, required=False, allow_blank=True
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            200: QueueTicketOutputSerializer,
            204: OpenApiResponse(description="Nobody is waiting."),
        },
    )
    def post(self, request, outlet_pk: int):
        outlet = selectors.queue_outlet_get(user=request.user, pk=outlet_pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = queue_services.ticket_call_next(
            outlet=outlet, by=request.user, window=data.validated_data.get("window", "")
        )
        if ticket is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return _ticket_response(ticket)


class TicketListApi(ListAPIView):
    """Tickets of the caller's branch; filter by outlet, day and state."""

    serializer_class = QueueTicketOutputSerializer
    queryset = QueueTicket.objects.none()  # for the schema; requests use get_queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("outlet", int),
            OpenApiParameter("day", str, description="YYYY-MM-DD; default all days."),
            OpenApiParameter("state", str, description="waiting, called, serving, done, left"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        outlet = (
            selectors.queue_outlet_get(user=self.request.user, pk=params["outlet"])
            if params.get("outlet")
            else None
        )
        state = params.get("state", "")
        return selectors.ticket_list(
            user=self.request.user,
            outlet=outlet,
            day=_date_param(params, "day"),
            state=state if state in QueueTicket.State.values else "",
        )


class TicketDetailApi(APIView):
    @extend_schema(responses=QueueTicketOutputSerializer)
    def get(self, request, pk: int):
        return _ticket_response(selectors.ticket_get(user=request.user, pk=pk))


class _TicketStepApi(APIView):
    """A step on one ticket; the subclass names the service."""

    def step(self, *, ticket, by, data):
        raise NotImplementedError

    def post(self, request, pk: int):
        ticket = selectors.ticket_get(user=request.user, pk=pk)
        check_can_write(request.user, ticket)
        return _ticket_response(self.step(ticket=ticket, by=request.user, data=request.data))


class TicketCallApi(_TicketStepApi):
    """Call this waiting ticket out of turn, or call a called one again."""

    class InputSerializer(serializers.Serializer):
        window = serializers.CharField(
            max_length=queue_services.WINDOW_MAX, required=False, allow_blank=True
        )

    def step(self, *, ticket, by, data):
        values = self.InputSerializer(data=data)
        values.is_valid(raise_exception=True)
        return queue_services.ticket_call(
            ticket=ticket, by=by, window=values.validated_data.get("window", "")
        )

    @extend_schema(request=InputSerializer, responses=QueueTicketOutputSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)


class TicketServeApi(_TicketStepApi):
    """The called customer is at the counter."""

    def step(self, *, ticket, by, data):
        return queue_services.ticket_serve(ticket=ticket, by=by)

    @extend_schema(request=None, responses=QueueTicketOutputSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)


class TicketDoneApi(_TicketStepApi):
    """Service is over; the customer may rate it (OUT-15)."""

    def step(self, *, ticket, by, data):
        return queue_services.ticket_done(ticket=ticket, by=by)

    @extend_schema(request=None, responses=QueueTicketOutputSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)


class TicketLeftApi(_TicketStepApi):
    """The customer went away before service."""

    def step(self, *, ticket, by, data):
        return queue_services.ticket_left(ticket=ticket, by=by)

    @extend_schema(request=None, responses=QueueTicketOutputSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)


class TicketToldOfWaitApi(_TicketStepApi):
    """OUT-12: the customer was told in advance of a wait over 30 minutes."""

    def step(self, *, ticket, by, data):
        return queue_services.ticket_told_of_wait(ticket=ticket, by=by)

    @extend_schema(request=None, responses=QueueTicketOutputSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)


class TicketRateApi(APIView):
    """OUT-15: the customer's rating of a done ticket, once (counter tablet or kiosk)."""

    class InputSerializer(serializers.Serializer):
        rating = serializers.IntegerField(min_value=1, max_value=5)
        comment = serializers.CharField(
            max_length=evaluation_services.COMMENT_MAX, required=False, allow_blank=True
        )

    @extend_schema(request=InputSerializer, responses={201: EvaluationOutputSerializer})
    def post(self, request, pk: int):
        ticket = selectors.ticket_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evaluation = evaluation_services.evaluation_record(
            ticket=ticket,
            rating=data.validated_data["rating"],
            comment=data.validated_data.get("comment", ""),
            channel=Evaluation.Channel.TABLET,
            by=request.user,
        )
        return Response(EvaluationOutputSerializer(evaluation).data, status=status.HTTP_201_CREATED)


# --- Waits and satisfaction -------------------------------------------------------------------
def _date_param(params, name: str):
    value = params.get(name, "")
    if not value:
        return None
    try:
        return serializers.DateField().to_internal_value(value)
    except serializers.ValidationError:
        raise ValidationError({name: _("Enter a date as YYYY-MM-DD.")}) from None


def _period(params):
    """`from`..`to` (inclusive), by default the current month up to today."""
    today = timezone.localdate()
    start = _date_param(params, "from") or today.replace(day=1)
    end = _date_param(params, "to") or today
    if end < start:
        raise ValidationError({"to": _("The end of the period is before its start.")})
    return start, end


PERIOD_PARAMETERS = [
    OpenApiParameter("from", str, description="First day, YYYY-MM-DD (default: the 1st)."),
    OpenApiParameter("to", str, description="Last day, YYYY-MM-DD (default: today)."),
]


class QueueWaitsApi(APIView):
    """OUT-12: per day, the tickets, those under the 30-minute rule and the breaches
    (and how many of those customers were told in advance)."""

    class OutputSerializer(serializers.Serializer):
        day = serializers.DateField()
        tickets = serializers.IntegerField()
        timed = serializers.IntegerField()
        breached = serializers.IntegerField()
        breached_told = serializers.IntegerField()

    @extend_schema(parameters=PERIOD_PARAMETERS, responses=OutputSerializer(many=True))
    def get(self, request, outlet_pk: int):
        outlet = selectors.queue_outlet_get(user=request.user, pk=outlet_pk)
        start, end = _period(request.query_params)
        days = selectors.wait_breaches(user=request.user, outlet=outlet, start=start, end=end)
        return Response(self.OutputSerializer(days, many=True).data)


class SatisfactionApi(APIView):
    """OUT-15: satisfied evaluations / evaluations of an outlet over a period, against
    the target."""

    class OutputSerializer(serializers.Serializer):
        outlet = OrgUnitRefSerializer()
        start = serializers.DateField()
        end = serializers.DateField()
        evaluations = serializers.IntegerField()
        satisfied = serializers.IntegerField()
        rate = serializers.DecimalField(max_digits=4, decimal_places=3, allow_null=True)
        target = serializers.DecimalField(max_digits=4, decimal_places=3)
        meets_target = serializers.BooleanField(allow_null=True)

    @extend_schema(parameters=PERIOD_PARAMETERS, responses=OutputSerializer)
    def get(self, request, outlet_pk: int):
        outlet = selectors.queue_outlet_get(user=request.user, pk=outlet_pk)
        start, end = _period(request.query_params)
        result = selectors.satisfaction(outlet=outlet, start=start, end=end)
        return Response(self.OutputSerializer(result).data)


class EvaluationListApi(ListAPIView):
    """Evaluations of the caller's branch (OUT-15), newest first."""

    serializer_class = EvaluationOutputSerializer
    queryset = Evaluation.objects.none()  # for the schema; requests use get_queryset

    @extend_schema(parameters=[OpenApiParameter("outlet", int), *PERIOD_PARAMETERS])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        outlet = (
            selectors.queue_outlet_get(user=self.request.user, pk=params["outlet"])
            if params.get("outlet")
            else None
        )
        return selectors.evaluation_list(
            user=self.request.user,
            outlet=outlet,
            start=_date_param(params, "from"),
            end=_date_param(params, "to"),
        )


# --- Consultations (OUT-14) ------------------------------------------------------------------
class ConsultationListApi(ListAPIView):
    """Consultations of the caller's branch, newest first (phones masked)."""

    serializer_class = ConsultationOutputSerializer
    queryset = Consultation.objects.none()  # for the schema; requests use get_queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("outlet", int),
            OpenApiParameter("state", str, description="open or answered"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        outlet = (
            selectors.queue_outlet_get(user=self.request.user, pk=params["outlet"])
            if params.get("outlet")
            else None
        )
        state = params.get("state", "")
        return selectors.consultation_list(
            user=self.request.user,
            outlet=outlet,
            state=state if state in Consultation.State.values else "",
        )


class ConsultationCreateApi(APIView):
    """OUT-14: record a question, answered now or with a promised reply time (default:
    the end of the day) that is tracked by an OUT-14 timer."""

    class InputSerializer(serializers.Serializer):
        outlet = serializers.IntegerField()
        ticket = serializers.IntegerField(required=False, allow_null=True)
        customer_name = serializers.CharField(max_length=60)
        customer_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
        topic = serializers.ChoiceField(choices=Consultation.Topic.choices)
        question = serializers.CharField()
        answer = serializers.CharField(required=False, allow_blank=True)
        promised_reply_at = serializers.DateTimeField(required=False, allow_null=True)

    @extend_schema(request=InputSerializer, responses={201: ConsultationOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        outlet = selectors.queue_outlet_get(user=request.user, pk=values.pop("outlet"))
        ticket_pk = values.pop("ticket", None)
        ticket = selectors.ticket_get(user=request.user, pk=ticket_pk) if ticket_pk else None
        consultation = consultation_services.consultation_record(
            by=request.user, outlet=outlet, ticket=ticket, **values
        )
        return Response(
            ConsultationOutputSerializer(consultation).data, status=status.HTTP_201_CREATED
        )


class ConsultationDetailApi(APIView):
    @extend_schema(responses=ConsultationOutputSerializer)
    def get(self, request, pk: int):
        consultation = selectors.consultation_get(user=request.user, pk=pk)
        return Response(ConsultationOutputSerializer(consultation).data)


class ConsultationAnswerApi(APIView):
    """OUT-14: the reply given to the customer; meets the reply timer."""

    class InputSerializer(serializers.Serializer):
        answer = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=ConsultationOutputSerializer)
    def post(self, request, pk: int):
        consultation = selectors.consultation_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        consultation = consultation_services.consultation_answer(
            consultation=consultation, by=request.user, answer=data.validated_data["answer"]
        )
        return Response(ConsultationOutputSerializer(consultation).data)


urlpatterns = [
    path("outlets/<int:outlet_pk>/queue/", QueueBoardApi.as_view(), name="api-queue-board"),
    path(
        "outlets/<int:outlet_pk>/queue/tickets/",
        TicketIssueApi.as_view(),
        name="api-queue-ticket-issue",
    ),
    path(
        "outlets/<int:outlet_pk>/queue/call-next/",
        CallNextApi.as_view(),
        name="api-queue-call-next",
    ),
    path("outlets/<int:outlet_pk>/queue/waits/", QueueWaitsApi.as_view(), name="api-queue-waits"),
    path(
        "outlets/<int:outlet_pk>/satisfaction/",
        SatisfactionApi.as_view(),
        name="api-outlet-satisfaction",
    ),
    path("queue-tickets/", TicketListApi.as_view(), name="api-queue-ticket-list"),
    path("queue-tickets/<int:pk>/", TicketDetailApi.as_view(), name="api-queue-ticket-detail"),
    path("queue-tickets/<int:pk>/call/", TicketCallApi.as_view(), name="api-queue-ticket-call"),
    path("queue-tickets/<int:pk>/serve/", TicketServeApi.as_view(), name="api-queue-ticket-serve"),
    path("queue-tickets/<int:pk>/done/", TicketDoneApi.as_view(), name="api-queue-ticket-done"),
    path("queue-tickets/<int:pk>/left/", TicketLeftApi.as_view(), name="api-queue-ticket-left"),
    path(
        "queue-tickets/<int:pk>/told-of-wait/",
        TicketToldOfWaitApi.as_view(),
        name="api-queue-ticket-told",
    ),
    path(
        "queue-tickets/<int:pk>/evaluation/",
        TicketRateApi.as_view(),
        name="api-queue-ticket-rate",
    ),
    path("evaluations/", EvaluationListApi.as_view(), name="api-evaluation-list"),
    path("consultations/", ConsultationListApi.as_view(), name="api-consultation-list"),
    path(
        "consultations/create/",
        ConsultationCreateApi.as_view(),
        name="api-consultation-create",
    ),
    path(
        "consultations/<int:pk>/",
        ConsultationDetailApi.as_view(),
        name="api-consultation-detail",
    ),
    path(
        "consultations/<int:pk>/answer/",
        ConsultationAnswerApi.as_view(),
        name="api-consultation-answer",
    ),
]
