"""Routes and event handlers, a few lines each. Everything else is in chalicelib/.

Imports stay light (no pydantic, jinja2 or data files): a cold Lambda pays for them on
the first request that needs them, through `services()`.
"""

from chalice import Chalice, Cron, Rate

from chalicelib.bootstrap import services

app = Chalice(app_name="mentorat")

# Stand-ins that `make package` replaces with the template's own queue and topic
# (infra/template.yaml): literal ARNs, so that the merge swaps the whole value instead of
# mixing Chalice's Fn::Sub with the template's Fn::GetAtt.
INBOUND_QUEUE_ARN = "arn:aws:sqs:eu-west-3:000000000000:replaced-by-infra-template"
BOUNCE_TOPIC_ARN = "arn:aws:sns:eu-west-3:000000000000:replaced-by-infra-template"
TABLE_STREAM_ARN = (
    "arn:aws:dynamodb:eu-west-3:000000000000:table/replaced-by-infra-template/stream/2026-01-01T00:00:00.000"
)

FORM = ["application/x-www-form-urlencoded"]
ANY = ["*/*"]  # the API answers 400 itself when the body is not JSON
# Pages answer HEAD too (link checkers, monitoring): the view runs as for GET and the
# HTTP layer (API Gateway; local/server.py locally) sends its headers without the body.
PAGE = ["GET", "HEAD"]
EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


def guarded(room):
    """A room of the HTTP door (chalicelib/web/views.py), built and called inside the one
    error boundary (chalicelib/web/boundary.py): a failing wiring is answered there too."""
    from chalicelib.web.boundary import GuardedViews

    return GuardedViews(lambda: room(services()), app.current_request)


def pages():
    from chalicelib.web import views

    return guarded(views.pages)


def answer_pages():
    from chalicelib.web import views

    return guarded(views.answer_pages)


def api():
    from chalicelib.web import views

    return guarded(views.api)


def console():
    from chalicelib.web import views

    return guarded(views.console)


@app.route("/health")
def health():
    return api().health()


@app.route("/", methods=PAGE)
def home():
    return pages().home()


@app.route("/mentions-legales", methods=PAGE)
def legal_notice():
    return pages().legal_page("legal_notice")


@app.route("/donnees-personnelles", methods=PAGE)
def privacy():
    return pages().legal_page("privacy")


@app.route("/accessibilite", methods=PAGE)
def accessibility():
    return pages().legal_page("accessibility")


@app.route("/favicon.ico", methods=PAGE)
def favicon():
    return pages().favicon()


@app.route("/static/{name}", methods=PAGE)
def static(name):
    return pages().static(name)


@app.route("/demande", methods=PAGE)
def youth_form():
    return pages().form_page("youth", app.current_request)


@app.route("/demande", methods=["POST"], content_types=FORM)
def youth_form_post():
    return pages().form_post("youth", app.current_request)


@app.route("/demande/merci", methods=PAGE)
def youth_thanks():
    return pages().thanks_page("youth", app.current_request)


@app.route("/orienter", methods=PAGE)
def referent_form():
    return pages().form_page("referent", app.current_request)


@app.route("/orienter", methods=["POST"], content_types=FORM)
def referent_form_post():
    return pages().form_post("referent", app.current_request)


@app.route("/orienter/merci", methods=PAGE)
def referent_thanks():
    return pages().thanks_page("referent", app.current_request)


@app.route("/reponse/{token}", methods=PAGE)
def answer_page(token):
    return answer_pages().show(token, app.current_request)


@app.route("/reponse/{token}", methods=["POST"], content_types=FORM)
def answer_post(token):
    return answer_pages().post(token, app.current_request)


@app.route("/api/v1/requests", methods=["POST"], content_types=ANY)
def api_submit():
    return api().submit(app.current_request)


@app.route("/api/v1/requests", methods=["GET"])
def api_list_requests():
    return api().list_requests(app.current_request)


@app.route("/api/v1/requests/{id_or_reference}", methods=["GET"])
def api_get_request(id_or_reference):
    return api().get_record(app.current_request, id_or_reference)


@app.route("/api/v1/admin/associations", methods=["PUT"], content_types=ANY)
def api_put_directory():
    return api().put_directory(app.current_request)


@app.route("/api/v1/admin/associations", methods=["GET"])
def api_get_directory():
    return api().get_directory(app.current_request)


@app.route("/api/v1/admin/quarantine", methods=["GET"])
def api_quarantine():
    return api().quarantine(app.current_request)


@app.route("/api/v1/admin/outbox", methods=["GET"])
def api_outbox():
    return api().outbox_failed(app.current_request)


@app.route("/api/v1/openapi.json")
def openapi():
    return api().openapi()


# Greedy: every path no other route serves, at any depth (API Gateway prefers the more
# specific resources; local/greedy_routes.py teaches chalice local the same).
@app.route("/{proxy+}", methods=EVERY_METHOD, content_types=ANY)
def not_found():
    return pages().not_found(app.current_request)


@app.on_dynamodb_record(stream_arn=TABLE_STREAM_ARN, batch_size=10, starting_position="TRIM_HORIZON")
def mail_stream(event):
    """The table's stream: sends each mail a transaction stored, after the answer was given
    (locally local/stream_worker.py). Returns the records to retry (batchItemFailures)."""
    return services().mail_stream_batch(event.to_dict(), event.context)


@app.schedule(Rate(1, unit=Rate.MINUTES))
def send_outbox(event):
    """The safety net: mails the stream missed (after a grace period), retries after a
    failure (SES down), attempts cut off; locally the runner loops on it."""
    services().outbox.sweep()


@app.schedule(Rate(1, unit=Rate.HOURS))
def unanswered_requests(event):
    """Reminds associations that have not answered, routes onward after longer silence:
    requests, then volunteers' sign-ups (docs/contract.md §11)."""
    services().answers.sweep_silence()
    services().mentors.sweep_silence()


@app.on_sqs_message(queue_arn=INBOUND_QUEUE_ARN, batch_size=5)
def inbound_mail(event):
    """SES receiving -> S3 -> SNS -> SQS: one record per inbound mail."""
    return services().inbound_sqs_batch(event.to_dict(), event.context)


@app.on_sns_message(topic=BOUNCE_TOPIC_ARN)
def mail_bounced(event):
    """SES bounce notifications of the mail we send: an association's bounce routes onward."""
    services().ses_bounce(event.message)


# -- the operators' console (docs/contract.md §10) -------------------------------------


@app.route("/console", methods=PAGE)
def console_home():
    return console_queue().queue(app.current_request)  # the queue's first tab, "À trier"


@app.route("/console/connexion", methods=PAGE)
def console_sign_in():
    return console().sign_in_page(app.current_request)


@app.route("/console/connexion", methods=["POST"], content_types=FORM)
def console_sign_in_post():
    return console().sign_in_post(app.current_request)


@app.route("/console/lien/{token}", methods=PAGE)
def console_link(token):
    return console().link_page(token)


@app.route("/console/lien/{token}", methods=["POST"], content_types=FORM)
def console_link_post(token):
    return console().link_post(token, app.current_request)


@app.route("/console/deconnexion", methods=["POST"], content_types=FORM)
def console_sign_out():
    return console().sign_out(app.current_request)


@app.route("/console/sessions", methods=PAGE)
def console_sessions():
    return console().sessions_page(app.current_request)


@app.route("/console/sessions/fermer", methods=["POST"], content_types=FORM)
def console_end_all_sessions():
    return console().end_all_sessions(app.current_request)


# -- console: queue ---------------------------------------------------------------------


def console_queue():
    from chalicelib.web import views

    return guarded(views.console_queue)


@app.route("/console/demandes", methods=PAGE)
def console_requests():
    return console_queue().queue(app.current_request)


@app.route("/console/demandes/{reference}", methods=PAGE)
def console_request(reference):
    return console_queue().request_page(app.current_request, reference)


@app.route("/console/demandes/{reference}/{action}", methods=["POST"], content_types=FORM)
def console_request_action(reference, action):
    actions = {"attribuer": "assign", "router": "reroute", "clore": "close", "renvoyer": "resend", "effacer": "erase"}
    if action not in actions:
        return console().not_found(app.current_request)
    return getattr(console_queue(), actions[action])(app.current_request, reference)


# -- console: volunteers' sign-ups (docs/volunteers.md) ----------------------------------


def console_volunteers():
    from chalicelib.web import views

    return guarded(views.console_volunteers)


@app.route("/console/benevoles", methods=PAGE)
def console_signups():
    return console_volunteers().queue(app.current_request)


@app.route("/console/benevoles/{reference}", methods=PAGE)
def console_signup(reference):
    return console_volunteers().signup_page(app.current_request, reference)


@app.route("/console/benevoles/{reference}/effacer", methods=["POST"], content_types=FORM)
def console_signup_erase(reference):
    return console_volunteers().erase(app.current_request, reference)


@app.route("/console/statistiques/benevoles", methods=PAGE)
def console_volunteer_statistics():
    return console_stats().volunteers_stats_page(app.current_request)


# -- console: statistics, exports, quarantine, digest -----------------------------------


def console_stats():
    from chalicelib.web import views

    return guarded(views.console_stats)


@app.route("/console/statistiques", methods=PAGE)
def console_statistics():
    return console_stats().stats_page(app.current_request)


@app.route("/console/export/{kind}", methods=PAGE)
def console_export_notice(kind):
    if kind not in {"demandes", "statistiques"}:
        return console().not_found(app.current_request)
    return console_stats().export_notice(app.current_request, kind)


@app.route("/console/export/{kind}", methods=["POST"], content_types=FORM)
def console_export(kind):
    if kind not in {"demandes", "statistiques"}:
        return console().not_found(app.current_request)
    return console_stats().export_post(app.current_request, kind)


@app.route("/console/quarantaine", methods=PAGE)
def console_quarantine():
    return console_stats().quarantine_list(app.current_request)


@app.route("/console/quarantaine/{key}", methods=PAGE)
def console_quarantined_mail(key):
    return console_stats().quarantine_show(app.current_request, key)


@app.route("/console/quarantaine/{key}/{action}", methods=["POST"], content_types=FORM)
def console_quarantine_action(key, action):
    if action not in {"retraiter", "supprimer"}:
        return console().not_found(app.current_request)
    return console_stats().quarantine_action(app.current_request, key, action)


@app.schedule(Cron(0, 6, "*", "*", "?", "*"))
def console_digest(event):
    """Every morning (06:00 UTC): the operators' digest of what waits on them."""
    from chalicelib.services.digest import digest_for

    digest_for(services()).send()


@app.route("/console/{proxy+}", methods=EVERY_METHOD, content_types=ANY)
def console_not_found():
    return console().not_found(app.current_request)


# -- console: directory ("Annuaire", versions, "Simuler") -----------------------------


def console_directory():
    from chalicelib.web import views

    return guarded(views.console_directory)


@app.route("/console/annuaire", methods=PAGE)
def console_directory_list():
    return console_directory().list_page(app.current_request)


@app.route("/console/annuaire/signalements/effacer", methods=["POST"], content_types=FORM)
def console_directory_clear_flag():
    return console_directory().clear_flag(app.current_request)


@app.route("/console/annuaire/nouvelle", methods=PAGE)
def console_directory_new():
    return console_directory().edit_page(app.current_request, None)


@app.route("/console/annuaire/nouvelle", methods=["POST"], content_types=FORM)
def console_directory_new_post():
    return console_directory().edit_post(app.current_request, None)


@app.route("/console/annuaire/versions", methods=PAGE)
def console_directory_versions():
    return console_directory().versions_page(app.current_request)


@app.route("/console/annuaire/versions/{number}", methods=PAGE)
def console_directory_version(number):
    return console_directory().version_page(app.current_request, number)


@app.route("/console/annuaire/versions/{number}/restaurer", methods=["POST"], content_types=FORM)
def console_directory_restore(number):
    return console_directory().restore(app.current_request, number)


@app.route("/console/annuaire/{association_id}", methods=PAGE)
def console_directory_edit(association_id):
    return console_directory().edit_page(app.current_request, association_id)


@app.route("/console/annuaire/{association_id}", methods=["POST"], content_types=FORM)
def console_directory_edit_post(association_id):
    return console_directory().edit_post(app.current_request, association_id)


# -- volunteers who want to mentor (docs/contract.md §11) --------------------------------


def mentor_pages():
    from chalicelib.web import views

    return guarded(views.mentor_pages)


def mentor_api():
    from chalicelib.web import views

    return guarded(views.mentor_api)


@app.route("/devenir-mentor", methods=PAGE)
def mentor_form():
    return mentor_pages().form_page("mentor", app.current_request)


@app.route("/devenir-mentor", methods=["POST"], content_types=FORM)
def mentor_form_post():
    return mentor_pages().form_post("mentor", app.current_request)


@app.route("/devenir-mentor/merci", methods=PAGE)
def mentor_thanks():
    return mentor_pages().thanks_page("mentor", app.current_request)


@app.route("/api/v1/mentors", methods=["POST"], content_types=ANY)
def api_mentor_submit():
    return mentor_api().submit(app.current_request)


@app.route("/api/v1/mentors/{id_or_reference}", methods=["GET"])
def api_get_mentor(id_or_reference):
    return mentor_api().get_record(app.current_request, id_or_reference)
