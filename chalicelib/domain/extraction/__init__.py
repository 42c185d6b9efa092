"""What a French intake mail says about the youth: age, situation, place, need, publics.

Pure: text in, `Extraction` out. One module per concern: `reading` (folding, parts, hits),
`age`, `situation`, `need`, `publics`, `place` (postal codes and communes), `departements`,
`several` (several young people in one mail); `model` holds what is returned. The only data
read is the official territory file, through `territory` (lazily, on the first place lookup).
Each value found carries the words it came from (`evidence`, as written in the mail) and a
`confidence`: the caller routes only on values at or above `ACCEPT`; anything below is kept
as a hint for the operators who triage.
A wrong guess sends a child to the wrong association, so when the text is unclear a field
stays empty (or a low-confidence hint) rather than a likely-looking value.

How the text is read:
- every part is folded for matching (accents stripped, curly apostrophes and odd spaces made
  plain) with the SAME length as the original, so a match's span gives back the original
  words as evidence;
- `subject`, `own_text` and `forwarded_text` are what the mail says about the youth;
  `signature` is the sender's block: its postal code is the sender's address (used only when
  the mail names no other place, and below ACCEPT unless the sender is a local structure:
  a school or a town hall), its structure name hints a situation (a collège's CPE writes
  about a collégien) and a child-welfare service hints `ase`.
- the text of attachments (a "fiche de liaison" in PDF, DOCX, ODT...) is read like forwarded
  text, after it; every value says where it was read (`Found.source`: body, subject,
  forwarded, signature, or `attachment:<file name>`);
- the same code works on the whole text passed as `own_text` (no split available).

Unsure means below ACCEPT, with the value kept for the operators:
- two different values for one field (two ages: None; two situations, two places or two
  needs equally put forward: the first, capped at CONFLICT_CAP);
- a mail about several young people (`several_youths`): age, situation, postal code and city
  are capped at SEVERAL_CAP, so nothing single-youth routes it; need and publics are kept;
- a girl described as such ("une jeune fille") is a `femme` hint only: the corpus' careful
  reader (fr-02) does not tick the public for that; a request aimed at women does.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date

from .age import _ages, _pick_age
from .model import ACCEPT, SEVERAL_CAP, Extraction, Found
from .need import _pick_need
from .place import _pick_place
from .publics import _pick_publics
from .reading import _fold, _Part, _rx
from .several import _several
from .situation import _age_from_class, _pick_situation, _situations

_MENTIONS_PUPIL = _rx(r"\beleve\b|\bcollegien|\blyceen|\becolier")
MAX_ATTACHMENT_CHARS = 20_000  # per attachment: a fiche de liaison is a page or two


def extract_request(
    subject: str,
    own_text: str,
    forwarded_text: str = "",
    signature: str = "",
    today: date | None = None,
    attachments: Iterable[tuple[str, str]] = (),
) -> Extraction:
    """What the mail says about the one youth it is about. See the module docstring.

    `attachments`: (file name, text) of each attachment whose text could be read."""
    today = today or date.today()
    named = [("subject", subject, ""), ("own", own_text, ""), ("forwarded", forwarded_text, "")]
    named += [("attachment", text[:MAX_ATTACHMENT_CHARS], name) for name, text in attachments]
    named.append(("signature", signature, ""))
    parts = [
        _Part(kind, t, _fold(t), file_name)
        for kind, raw, file_name in named
        if (t := unicodedata.normalize("NFC", raw or "")).strip()
    ]
    text_parts = [p for p in parts if p.name != "signature"]
    whole = "\n".join(p.folded for p in text_parts)

    several = _several(parts)
    age_hits = _ages(parts, today)
    age = _pick_age(age_hits, whole)
    situation = _pick_situation(_situations(parts, bool(_MENTIONS_PUPIL.search(whole))))
    if age is None and not age_hits:
        age = _age_from_class(situation)
    postal_code, city, departement = _pick_place(parts)
    need = _pick_need(parts)
    publics = _pick_publics(parts)

    if several:
        # One request cannot stand for several youths: what is said of them stays a hint.
        age, situation, postal_code, city, departement = (
            _capped(f) for f in (age, situation, postal_code, city, departement)
        )
    return Extraction(age, situation, postal_code, city, need, publics, several, departement)


def _capped(found: Found | None) -> Found | None:
    if found is None:
        return None
    return Found(found.value, found.evidence, min(found.confidence, SEVERAL_CAP), found.source)


__all__ = ["ACCEPT", "Extraction", "Found", "extract_request"]
