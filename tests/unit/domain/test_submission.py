"""Validation of submissions (docs/contract.md §2 to §4) and the small text helpers; pure."""

from __future__ import annotations

import re

import pytest

from chalicelib.domain.phone import display_phone, phone_uri
from chalicelib.domain.reference import new_reference
from chalicelib.domain.submission import InvalidSubmission, parse_submission
from chalicelib.domain.text import redact_contacts
from chalicelib.domain.vocabulary import Need, Public, Situation, StructureType
from tests.builders import youth

MISSING = object()  # an override that removes the field


def _with(data: dict, overrides: dict) -> dict:
    """`data` with `overrides` applied; a MISSING value removes the key."""
    for key, value in overrides.items():
        if value is MISSING:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def submission(base: dict | None = None, **overrides) -> dict:
    return _with(dict(base if base is not None else youth()), overrides)


def referent(**overrides) -> dict:
    data = {
        "name": "Mme Durand",
        "email": "c.durand@college-mace.example.fr",
        "phone": "03 20 12 34 56",
        "structure_name": "Collège Jean Macé",
        "structure_type": "etablissement_scolaire",
    }
    return _with(data, overrides)


def with_referent(ref: dict | None = None, **overrides) -> dict:
    """A referent's submission: the youth's own contact and last name left out."""
    base = submission(referent=ref if ref is not None else referent(), email=MISSING, phone=MISSING, last_name=MISSING)
    return submission(base, **overrides)


def errors_of(data: dict) -> dict[str, str]:
    with pytest.raises(InvalidSubmission) as caught:
        parse_submission(data)
    errors = caught.value.errors
    fields = [e.field for e in errors]
    assert errors, "an invalid submission must say what is wrong"
    assert len(fields) == len(set(fields)), f"one message per field: {fields}"
    return {e.field: e.message for e in errors}


# --- Accepted ---------------------------------------------------------------------------------

ACCEPTED = [
    ("baseline", {}),
    ("first-name-1-char", {"first_name": "A"}),
    ("first-name-100-chars", {"first_name": "a" * 100}),
    ("last-name-100-chars", {"last_name": "b" * 100}),
    ("email-only", {"phone": MISSING}),
    ("phone-only", {"email": MISSING}),
    ("phone-only-email-blank", {"email": ""}),
    ("phone-compact", {"phone": "0612345678", "email": MISSING}),
    ("phone-spaces", {"phone": "06 12 34 56 78", "email": MISSING}),
    ("phone-dots", {"phone": "06.12.34.56.78", "email": MISSING}),
    ("phone-plus33-spaces", {"phone": "+33 6 12 34 56 78", "email": MISSING}),
    ("phone-plus33-compact", {"phone": "+33612345678", "email": MISSING}),
    ("phone-landline", {"phone": "03 20 12 34 56"}),
    ("phone-blank-with-email", {"phone": ""}),
    ("age-13-with-parental-consent", {"age": 13, "parental_consent": True}),
    ("age-30", {"age": 30}),
    ("age-as-form-string", {"age": "17"}),
    ("age-14-with-parental-consent", {"age": 14, "parental_consent": True}),
    ("age-14-with-parental-consent-on", {"age": 14, "parental_consent": "on"}),
    ("age-15-without-parental-consent", {"age": 15, "parental_consent": False}),
    ("age-15-parental-consent-absent", {"age": 15, "parental_consent": MISSING}),
    ("postal-code-metropole", {"postal_code": "75001"}),
    ("postal-code-ain", {"postal_code": "01000"}),
    ("postal-code-reunion", {"postal_code": "97400"}),
    ("postal-code-mayotte", {"postal_code": "97600"}),
    ("postal-code-corse", {"postal_code": "20000"}),
    ("city-absent", {"city": MISSING}),
    ("publics-absent", {"publics": MISSING}),
    ("publics-empty", {"publics": []}),
    ("publics-several", {"publics": ["qpv", "rural", "femme"]}),
    ("message-absent", {"message": MISSING}),
    ("message-2000-chars", {"message": "m" * 2000}),
    ("consent-form-value-on", {"consent": "on"}),
]


@pytest.mark.parametrize("overrides", [c[1] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_youth_accepted(overrides):
    data = submission(**overrides)
    parsed = parse_submission(data)
    assert parsed.referent is None
    assert parsed.age == int(data["age"])
    assert parsed.postal_code == data["postal_code"]


@pytest.mark.parametrize("value", [s.value for s in Situation])
def test_every_situation_accepted(value):
    assert parse_submission(submission(situation=value)).situation == Situation(value)


@pytest.mark.parametrize("value", [n.value for n in Need])
def test_every_need_accepted(value):
    assert parse_submission(submission(need=value)).need == Need(value)


@pytest.mark.parametrize("value", [p.value for p in Public])
def test_every_public_accepted(value):
    assert parse_submission(submission(publics=[value])).publics == [Public(value)]


# --- Rejected: one wrong field at a time -----------------------------------------------------

# (id, overrides, the one field in error)
REJECTED = [
    ("first-name-missing", {"first_name": MISSING}, "first_name"),
    ("first-name-empty", {"first_name": ""}, "first_name"),
    ("first-name-blank", {"first_name": "   "}, "first_name"),
    ("first-name-101-chars", {"first_name": "a" * 101}, "first_name"),
    ("last-name-missing", {"last_name": MISSING}, "last_name"),
    ("last-name-empty", {"last_name": ""}, "last_name"),
    ("last-name-101-chars", {"last_name": "b" * 101}, "last_name"),
    ("email-no-at", {"email": "lea.martin.example.net"}, "email"),
    ("email-no-domain", {"email": "lea@"}, "email"),
    ("email-no-local-part", {"email": "@example.net"}, "email"),
    ("email-with-space", {"email": "lea martin@example.net"}, "email"),
    ("email-invalid-even-with-phone", {"email": "pas-une-adresse", "phone": "0612345678"}, "email"),
    ("no-email-no-phone", {"email": MISSING, "phone": MISSING}, "email"),
    ("blank-email-blank-phone", {"email": "", "phone": ""}, "email"),
    ("phone-too-short", {"phone": "12345"}, "phone"),
    ("phone-uk", {"phone": "+44 20 7946 0958"}, "phone"),
    ("phone-00-prefix", {"phone": "0012345678"}, "phone"),
    ("phone-too-long", {"phone": "06 12 34 56 78 90"}, "phone"),
    ("age-missing", {"age": MISSING}, "age"),
    ("age-12", {"age": 12, "parental_consent": True}, "age"),
    ("age-31", {"age": 31}, "age"),
    ("age-not-a-number", {"age": "quinze"}, "age"),
    ("age-fraction", {"age": 15.5}, "age"),
    ("age-form-string-fraction", {"age": "15,5"}, "age"),
    ("age-form-string-31", {"age": "31"}, "age"),
    # Out of range however it is written: these must still name the age.
    ("age-31-as-float", {"age": 31.0}, "age"),
    ("age-12-as-float", {"age": 12.0, "parental_consent": True}, "age"),
    ("age-negative-form-string", {"age": "-5", "parental_consent": True}, "age"),
    ("age-boolean", {"age": True, "parental_consent": True}, "age"),
    ("postal-code-missing", {"postal_code": MISSING}, "postal_code"),
    ("postal-code-empty", {"postal_code": ""}, "postal_code"),
    ("postal-code-4-digits", {"postal_code": "7501"}, "postal_code"),
    ("postal-code-6-digits", {"postal_code": "591000"}, "postal_code"),
    ("postal-code-letters", {"postal_code": "ABCDE"}, "postal_code"),
    ("postal-code-00", {"postal_code": "00100"}, "postal_code"),
    ("situation-missing", {"situation": MISSING}, "situation"),
    ("situation-unknown", {"situation": "universite"}, "situation"),
    ("need-missing", {"need": MISSING}, "need"),
    ("need-unknown", {"need": "loisirs"}, "need"),
    ("publics-unknown", {"publics": ["qpv", "martien"]}, "publics"),
    ("message-2001-chars", {"message": "m" * 2001}, "message"),
    ("consent-missing", {"consent": MISSING}, "consent"),
    ("consent-false", {"consent": False}, "consent"),
    ("parental-consent-missing-at-14", {"age": 14, "parental_consent": MISSING}, "parental_consent"),
    ("parental-consent-false-at-14", {"age": 14, "parental_consent": False}, "parental_consent"),
    ("parental-consent-false-at-13", {"age": 13, "parental_consent": False}, "parental_consent"),
]


@pytest.mark.parametrize("overrides, field", [c[1:] for c in REJECTED], ids=[c[0] for c in REJECTED])
def test_youth_rejected(overrides, field):
    assert set(errors_of(submission(**overrides))) == {field}


# --- The referent's path (section 3, and "referent" in section 4) ------------------------------

REFERENT_ACCEPTED = [
    ("youth-contact-and-last-name-absent", {}, {}),
    ("age-6", {}, {"age": 6}),
    ("age-30", {}, {"age": 30}),
    ("age-10-no-parental-consent", {}, {"age": 10, "parental_consent": False}),
    ("age-14-no-parental-consent", {}, {"age": 14, "parental_consent": MISSING}),
    ("youth-email-given", {}, {"email": "jeune@example.net"}),
    ("youth-phone-given", {}, {"phone": "06 12 34 56 78"}),
    ("last-name-given", {}, {"last_name": "Martin"}),
    ("referent-name-absent", {"name": MISSING}, {}),
    ("referent-phone-absent", {"phone": MISSING}, {}),
    ("structure-type-blank-is-autre", {"structure_type": ""}, {}),
]


@pytest.mark.parametrize("ref, overrides", [c[1:] for c in REFERENT_ACCEPTED], ids=[c[0] for c in REFERENT_ACCEPTED])
def test_referent_accepted(ref, overrides):
    parsed = parse_submission(with_referent(referent(**ref), **overrides))
    assert parsed.referent is not None
    assert parsed.referent.email == "c.durand@college-mace.example.fr"
    assert parsed.referent.structure_name == "Collège Jean Macé"


@pytest.mark.parametrize("value", [t.value for t in StructureType])
def test_every_structure_type_accepted(value):
    parsed = parse_submission(with_referent(referent(structure_type=value)))
    assert parsed.referent.structure_type == StructureType(value)


def test_blank_structure_type_is_autre():
    parsed = parse_submission(with_referent(referent(structure_type="  ")))
    assert parsed.referent.structure_type == StructureType.AUTRE


# (id, referent overrides, submission overrides, the one field in error)
REFERENT_REJECTED = [
    ("age-5", {}, {"age": 5}, "age"),
    ("age-31", {}, {"age": 31}, "age"),
    ("first-name-still-required", {}, {"first_name": MISSING}, "first_name"),
    ("youth-email-invalid", {}, {"email": "pas-une-adresse"}, "email"),
    ("youth-phone-invalid", {}, {"phone": "12345"}, "phone"),
    ("consent-missing", {}, {"consent": MISSING}, "consent"),
    ("postal-code-invalid", {}, {"postal_code": "7501"}, "postal_code"),
    ("referent-email-missing", {"email": MISSING}, {}, "referent.email"),
    ("referent-email-blank", {"email": " "}, {}, "referent.email"),
    ("referent-email-invalid", {"email": "durand@"}, {}, "referent.email"),
    ("structure-name-missing", {"structure_name": MISSING}, {}, "referent.structure_name"),
    ("structure-name-blank", {"structure_name": ""}, {}, "referent.structure_name"),
    ("structure-type-unknown", {"structure_type": "ecole"}, {}, "referent.structure_type"),
]


@pytest.mark.parametrize(
    "ref, overrides, field",
    [c[1:] for c in REFERENT_REJECTED],
    ids=[c[0] for c in REFERENT_REJECTED],
)
def test_referent_rejected(ref, overrides, field):
    assert set(errors_of(with_referent(referent(**ref), **overrides))) == {field}


# --- Several errors at once ---------------------------------------------------------------------

SEVERAL = [
    (
        "name-postal-code-consent",
        submission(first_name=MISSING, postal_code="ABCDE", consent=False),
        {"first_name", "postal_code", "consent"},
    ),
    (
        "contact-age-need",
        submission(email=MISSING, phone=MISSING, age=31, need="loisirs"),
        {"email", "age", "need"},
    ),
    (
        "names-phone-message-parental-consent",
        submission(first_name="", last_name=MISSING, phone="12345", message="m" * 2001, age=14),
        {"first_name", "last_name", "phone", "message", "parental_consent"},
    ),
    (
        "referent-email-structure-age",
        with_referent(referent(email=MISSING, structure_name=MISSING), age=5),
        {"referent.email", "referent.structure_name", "age"},
    ),
]


@pytest.mark.parametrize("data, fields", [c[1:] for c in SEVERAL], ids=[c[0] for c in SEVERAL])
def test_several_errors_reported_at_once(data, fields):
    assert set(errors_of(data)) == fields


# --- Messages in French --------------------------------------------------------------------------

# (id, submission, field, exact message or None, words the message must contain)
MESSAGES = [
    ("first-name-missing", submission(first_name=MISSING), "first_name", "Champ obligatoire.", ["obligatoire"]),
    ("postal-code-missing", submission(postal_code=MISSING), "postal_code", None, []),
    ("age-missing", submission(age=MISSING), "age", "Champ obligatoire.", ["obligatoire"]),
    ("no-contact", submission(email=MISSING, phone=MISSING), "email", None, ["adresse", "téléphone"]),
    ("email-invalid", submission(email="lea@"), "email", None, ["adresse", "invalide"]),
    ("phone-invalid", submission(phone="12345"), "phone", None, ["téléphone", "invalide"]),
    ("age-out-of-range", submission(age=31), "age", None, ["âge", "13", "30"]),
    ("age-out-of-range-referent", with_referent(age=5), "age", None, ["âge", "6", "30"]),
    ("age-not-a-number", submission(age="quinze"), "age", None, ["nombre"]),
    ("postal-code-invalid", submission(postal_code="7501"), "postal_code", None, ["code postal", "5 chiffres"]),
    ("need-unknown", submission(need="loisirs"), "need", None, ["choisissez"]),
    ("message-too-long", submission(message="m" * 2001), "message", None, ["2000", "caractères"]),
    ("consent-missing", submission(consent=False), "consent", None, ["accord"]),
    ("parental-consent", submission(age=14, parental_consent=False), "parental_consent", None, ["15 ans", "parent"]),
    ("referent-email", with_referent(referent(email=MISSING)), "referent.email", "Champ obligatoire.", ["obligatoire"]),
]

ENGLISH = re.compile(r"\b(field required|input should|value error|invalid|string should|not a valid)\b", re.I)


@pytest.mark.parametrize("data, field, exact, words", [c[1:] for c in MESSAGES], ids=[c[0] for c in MESSAGES])
def test_messages_are_french(data, field, exact, words):
    message = errors_of(data)[field]
    if exact is not None:
        assert message == exact
    for word in words:
        assert word.lower() in message.lower()
    # French, not pydantic's English ("invalide" is French, "invalid" alone is not).
    assert not ENGLISH.search(message), message
    assert message.strip()


# --- text.py -------------------------------------------------------------------------------------

REFERENCE = re.compile(r"^[A-Z0-9-]{6,24}$")


def test_reference_shape():
    for _ in range(200):
        assert REFERENCE.match(new_reference())


def test_references_are_distinct():
    refs = {new_reference() for _ in range(1000)}
    assert len(refs) == 1000


# (id, message, contact that must vanish, words that must stay)
REDACT = [
    (
        "email",
        "Bonjour, écrivez-moi à lea.martin+mentorat@example.net pour les maths.",
        ["lea.martin+mentorat@example.net", "example.net"],
        ["Bonjour", "écrivez-moi", "pour les maths."],
    ),
    (
        "phone-spaces",
        "Appelez-moi au 06 12 34 56 78 après 18h, merci.",
        ["06 12 34 56 78", "12 34 56 78"],
        ["Appelez-moi au", "après 18h, merci."],
    ),
    ("phone-compact", "Mon numéro : 0612345678.", ["0612345678", "12345678"], ["Mon numéro :"]),
    ("phone-dots", "Tel 06.12.34.56.78 ou mail", ["06.12.34.56.78", "34.56.78"], ["Tel", "ou mail"]),
    (
        "phone-plus33",
        "joignable au +33 6 12 34 56 78 le soir",
        ["+33 6 12 34 56 78", "12 34 56 78"],
        ["joignable au", "le soir"],
    ),
    (
        "both",
        "J'ai 16 ans, j'habite à Roubaix (59100). Contact : lea@example.net ou 07 98 76 54 32. Merci !",
        ["lea@example.net", "07 98 76 54 32", "98 76 54 32"],
        ["J'ai 16 ans, j'habite à Roubaix (59100). Contact :", "Merci !"],
    ),
]


@pytest.mark.parametrize("text, gone, kept", [c[1:] for c in REDACT], ids=[c[0] for c in REDACT])
def test_redact_contacts(text, gone, kept):
    out = redact_contacts(text)
    for contact in gone:
        assert contact not in out
    for words in kept:
        assert words in out


@pytest.mark.parametrize(
    "text",
    ["J'ai 15 ans et je suis en 3e au collège, code postal 59100.", "", None],
    ids=["no-contact", "empty", "none"],
)
def test_redact_contacts_leaves_the_rest_alone(text):
    assert redact_contacts(text) == text


# -- What a submission's texts become once read (trimmed, NFC, controls removed, the address's
# domain lowercased, the number in one form), the exact refusal for each kind of bad text, and a
# stored number as people read it. Pure: no I/O.


TOO_LONG = "Texte trop long : {} caractères au plus."
BAD_CHARACTERS = "Caractères non autorisés (invisibles ou de contrôle) : retapez ce champ sans copier-coller."
INVALID_EMAIL = "Adresse e-mail invalide : vérifiez-la (exemple : prenom.nom@exemple.fr)."


def json_errors_of(data: dict) -> dict[str, str]:
    with pytest.raises(InvalidSubmission) as caught:
        parse_submission(data, json=True)
    return {e.field: e.message for e in caught.value.errors}


def test_texts_are_trimmed_normalised_and_cleaned():
    s = parse_submission(
        youth(
            first_name="  Le\u0301a  ",
            last_name=" Martin ",
            city=" Roubaix ",
            message="  Bonjour\r\nça va\rmerci\x07\u202e\t!  ",
            email="Lea.Martin@EXAMPLE.NET",
            phone="+33 6 12 34 56 78",
        ),
        json=True,
    )
    assert (s.first_name, s.last_name, s.city, s.message, s.email, s.phone) == (
        "Léa",
        "Martin",
        "Roubaix",
        "Bonjour\nça va\nmerci\t!",
        "Lea.Martin@example.net",
        "0612345678",
    )


def test_blank_optional_texts_are_absent():
    s = parse_submission(youth(email="  ", message="   ", city="\u3000"), json=True)
    assert (s.email, s.message, s.city, s.phone) == (None, None, None, "0612345678")


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"first_name": "L" * 101}, {"first_name": TOO_LONG.format(100)}),
        ({"last_name": "M" * 101}, {"last_name": TOO_LONG.format(100)}),
        ({"city": "R" * 201}, {"city": TOO_LONG.format(200)}),
        ({"message": "m" * 2001}, {"message": TOO_LONG.format(2000)}),
        ({"first_name": "Lé\u200ba"}, {"first_name": BAD_CHARACTERS}),
        ({"city": "Rou\x00baix"}, {"city": BAD_CHARACTERS}),
        ({"email": "lea@"}, {"email": INVALID_EMAIL}),
        ({"email": "a" * 250 + "@x.fr"}, {"email": INVALID_EMAIL}),
        ({"email": 3}, {"email": "Texte attendu."}),
        ({"first_name": 3}, {"first_name": "Texte attendu."}),
        ({"message": 3}, {"message": "Texte attendu."}),
        (
            {"phone": "06 12 34 56 7"},
            {"phone": "Numéro de téléphone invalide (exemple : 06 12 34 56 78 ou +33 6 12 34 56 78)."},
        ),
    ],
)
def test_the_refusal_of_each_bad_text(change, expected):
    assert json_errors_of(youth(**change)) == expected


def test_lengths_up_to_the_limit_are_accepted():
    s = parse_submission(youth(first_name="L" * 100, city="R" * 200, message="m" * 2000), json=True)
    assert (len(s.first_name), len(s.city), len(s.message)) == (100, 200, 2000)


@pytest.mark.parametrize(
    "stored, shown",
    [
        ("0612345678", "06 12 34 56 78"),
        ("+33 6 12 34 56 78", "06 12 34 56 78"),
        ("0033 6 12 34 56 78", "06 12 34 56 78"),
        ("+33 (0)6 12 34 56 78", "06 12 34 56 78"),
        ("+330612345678", "06 12 34 56 78"),
        ("33612345678", "06 12 34 56 78"),
        ("06.12.34.56.78", "06 12 34 56 78"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        ("0012345678", "0012345678"),
        (" 12 ", "12"),
        ("", ""),
        (None, None),
    ],
)
def test_a_number_as_people_read_it(stored, shown):
    assert display_phone(stored) == shown


@pytest.mark.parametrize("blank", ["\u00a0", "\u2003", "\u3000", "\u202f", "   "])
def test_a_name_of_spaces_only_is_missing(blank):
    assert json_errors_of(youth(first_name=blank)) == {"first_name": "Champ obligatoire."}


@pytest.mark.parametrize("control", [" \t ", "\u2028", "\u0085", "Lé\u00ada"])
def test_a_name_with_control_or_invisible_characters_is_refused(control):
    assert json_errors_of(youth(first_name=control)) == {"first_name": BAD_CHARACTERS}


def test_a_name_keeps_its_inner_no_break_space():
    assert parse_submission(youth(first_name="Jean\u00a0Paul"), json=True).first_name == "Jean\u00a0Paul"


# -- Every problem of a submission at once: when a field fails to parse, the rules on who submits
# (names, contact, age range, a parent's consent, consent) still run on the raw form values, with
# their exact French messages. Form text ("14", "on") is read leniently; JSON exactly. Pure: no I/O.


def all_errors_of(data: dict, json: bool) -> dict[str, str]:
    try:
        parse_submission(data, json=json)
    except InvalidSubmission as refused:
        return {e.field: e.message for e in refused.errors}
    return {}


def _without(data: dict, *keys: str) -> dict:
    return {k: v for k, v in data.items() if k not in keys}


def form(**changes) -> dict:
    """The youth form's fields as a browser sends them: text, "on" for a ticked box."""
    out = {}
    for k, v in youth(**changes).items():
        if v is False or v is None:
            continue
        out[k] = "on" if v is True else str(v) if isinstance(v, int) else v
    return out


REFERENT = {"email": "c@college.example.fr", "structure_name": "C"}
C = {
    "form valid": form(),
    "form age 14 consent on": form(age=14, parental_consent="on"),
    "form age 14 consent true": form(age=14, parental_consent="true"),
    "form age 14 consent 1": form(age=14, parental_consent="1"),
    "form age 14 consent yes": form(age=14, parental_consent="yes"),
    "form age 14 consent non": form(age=14, parental_consent="non"),
    "form age 14 no consent": form(age=14),
    "form age 12": form(age=12),
    "form age x + no last name": _without(form(age="x"), "last_name"),
    "form age x + age-14-like": _without(form(age="abc", postal_code="99999"), "email", "phone"),
    "form bad postal + age 14": form(age=14, postal_code="99999"),
    "form bad postal + age 31": form(age=31, postal_code="99999"),
    "form bad postal + age ' 14 '": form(age=" 14 ", postal_code="99999"),
    "form bad postal + blank names": form(first_name=" ", last_name=" ", postal_code="99999"),
    "form bad postal + consent off": _without(form(postal_code="99999"), "consent"),
    "form bad postal + consent yes": form(postal_code="99999", consent="yes"),
    "form bad postal + referent": {
        **_without(form(age=5, postal_code="99999"), "last_name", "email", "phone"),
        "referent": REFERENT,
    },
    "json bad postal + age True": youth(age=True, postal_code="99999"),
}
EXPECTED = [
    ("form valid", {}),
    ("form age 14 consent on", {}),
    ("form age 14 consent true", {}),
    ("form age 14 consent 1", {}),
    ("form age 14 consent yes", {}),
    ("form age 14 consent non", {"parental_consent": "Valeur invalide."}),
    (
        "form age 14 no consent",
        {"parental_consent": "Avant 15 ans, l'accord d'un parent ou responsable légal est nécessaire."},
    ),
    (
        "form age 12",
        {
            "age": (
                "L'âge doit être compris entre 13 et 30 ans. "
                "Pour un enfant plus jeune, un professionnel peut faire la demande."
            )
        },
    ),
    ("form age x + no last name", {"age": "Indiquez un nombre entier.", "last_name": "Champ obligatoire."}),
    (
        "form age x + age-14-like",
        {
            "age": "Indiquez un nombre entier.",
            "postal_code": "Code postal invalide : 5 chiffres (exemple : 59100).",
            "email": "Indiquez une adresse e-mail ou un numéro de téléphone.",
        },
    ),
    (
        "form bad postal + age 14",
        {
            "postal_code": "Code postal invalide : 5 chiffres (exemple : 59100).",
            "parental_consent": "Avant 15 ans, l'accord d'un parent ou responsable légal est nécessaire.",
        },
    ),
    (
        "form bad postal + age 31",
        {
            "postal_code": "Code postal invalide : 5 chiffres (exemple : 59100).",
            "age": (
                "L'âge doit être compris entre 13 et 30 ans. "
                "Pour un enfant plus jeune, un professionnel peut faire la demande."
            ),
        },
    ),
    (
        "form bad postal + age ' 14 '",
        {
            "postal_code": "Code postal invalide : 5 chiffres (exemple : 59100).",
            "parental_consent": "Avant 15 ans, l'accord d'un parent ou responsable légal est nécessaire.",
        },
    ),
    (
        "form bad postal + blank names",
        {
            "postal_code": "Code postal invalide : 5 chiffres (exemple : 59100).",
            "first_name": "Champ obligatoire.",
            "last_name": "Champ obligatoire.",
        },
    ),
    (
        "form bad postal + consent off",
        {
            "postal_code": "Code postal invalide : 5 chiffres (exemple : 59100).",
            "consent": "Votre accord est nécessaire pour transmettre la demande.",
        },
    ),
    ("form bad postal + consent yes", {"postal_code": "Code postal invalide : 5 chiffres (exemple : 59100)."}),
    (
        "form bad postal + referent",
        {
            "postal_code": "Code postal invalide : 5 chiffres (exemple : 59100).",
            "age": "L'âge doit être compris entre 6 et 30 ans.",
        },
    ),
    (
        "json bad postal + age True",
        {"age": "Indiquez un nombre entier.", "postal_code": "Code postal invalide : 5 chiffres (exemple : 59100)."},
    ),
]


@pytest.mark.parametrize("case, expected", EXPECTED, ids=[e[0] for e in EXPECTED])
def test_every_problem_at_once(case, expected):
    assert all_errors_of(C[case], json=case.startswith("json")) == expected


# -- The exact French messages a person reads when a field is refused, the call links of numbers,
# and masking that sees through invisible control characters. Pure: no I/O.


AGE_13_30 = (
    "L'âge doit être compris entre 13 et 30 ans. Pour un enfant plus jeune, un professionnel peut faire la demande."
)


def messages_of(data: dict, json: bool = True) -> dict[str, str]:
    with pytest.raises(InvalidSubmission) as caught:
        parse_submission(data, json=json)
    return {e.field: e.message for e in caught.value.errors}


@pytest.mark.parametrize(
    "data, expected",
    [
        (youth(postal_code=None), {"postal_code": "Champ obligatoire."}),
        (youth(postal_code="   "), {"postal_code": "Champ obligatoire."}),
        (youth(postal_code=""), {"postal_code": "Champ obligatoire."}),
        (youth(postal_code="5910"), {"postal_code": "Code postal invalide : 5 chiffres (exemple : 59100)."}),
        (youth(consent="on"), {"consent": "Valeur invalide."}),
        (youth(parental_consent=1), {"parental_consent": "Valeur invalide."}),
        (youth(phone=612345678), {"phone": "Texte attendu."}),
        (_without(youth(), "email", "phone"), {"email": "Indiquez une adresse e-mail ou un numéro de téléphone."}),
        (youth(age=12), {"age": AGE_13_30}),
        (youth(age=31), {"age": AGE_13_30}),
        (
            youth(age=14),
            {"parental_consent": "Avant 15 ans, l'accord d'un parent ou responsable légal est nécessaire."},
        ),
        (youth(consent=False), {"consent": "Votre accord est nécessaire pour transmettre la demande."}),
    ],
)
def test_the_message_shown_for_each_refusal(data, expected):
    assert messages_of(data) == expected


def test_with_a_referent_the_age_range_has_no_hint():
    data = _without(youth(age=5), "last_name", "email", "phone")
    data["referent"] = {"email": "c.durand@college.example.fr", "structure_name": "Collège Jean Macé"}
    assert messages_of(data) == {"age": "L'âge doit être compris entre 6 et 30 ans."}


@pytest.mark.parametrize(
    "value, uri",
    [
        ("+33 6 12 34 56 78", "tel:+33612345678"),
        ("06.12.34.56.78", "tel:+33612345678"),
        ("+44 20 7946 0958", "tel:+442079460958"),
        ("(+1) 212-555-0100", "tel:+12125550100"),
        ("12", "tel:12"),
        ("", None),
        (None, None),
    ],
)
def test_call_links(value, uri):
    assert phone_uri(value) == uri


@pytest.mark.parametrize(
    "text, masked",
    [
        ("Appelle au 06\x0012\x0034\x0056\x0078 merci", "Appelle au [numéro masqué] merci"),
        ("Appelle au 06\x0712\x0734\x0756\x0778 merci", "Appelle au [numéro masqué] merci"),
        ("Appelle au 06\x1b12\x1b34\x1b56\x1b78 merci", "Appelle au [numéro masqué] merci"),
        ("Appelle au 06\u200b12\u200b34\u200b56\u200b78 merci", "Appelle au [numéro masqué] merci"),
        ("Appelle au +33/6/12/34/56/78 merci", "Appelle au [numéro masqué] merci"),
        ("Appelle au +33 6/12/34/56/78.", "Appelle au [numéro masqué]."),
        ("ligne 1\tligne 2\nligne 3", "ligne 1\tligne 2\nligne 3"),
    ],
)
def test_masking_sees_through_controls_and_keeps_the_plus(text, masked):
    assert redact_contacts(text) == masked
