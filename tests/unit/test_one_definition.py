"""What the code keeps in one place, restated nowhere else: the timeline's ISO times are
read by domain.paris_time.parse_iso, and the channels a sign-up comes from are the keys
of the console's labels (services/console_volunteers.py)."""

from __future__ import annotations

from pathlib import Path

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"


def test_iso_times_are_parsed_by_paris_time_only():
    by_hand = [
        p.relative_to(CHALICELIB).as_posix() for p in sorted(CHALICELIB.rglob("*.py"))
        if p.name != "paris_time.py" and 'replace("Z", "+00:00")' in p.read_text(encoding="utf-8")
    ]
    assert by_hand == []


def test_the_sign_ups_channels_are_listed_once_with_their_labels():
    from chalicelib.services import mentors
    from chalicelib.services.console_volunteers import MENTOR_CHANNEL_LABELS

    assert set(MENTOR_CHANNEL_LABELS) == {"form", "api"}  # the web form's and the partners' API
    assert not hasattr(mentors, "MENTOR_CHANNELS")
