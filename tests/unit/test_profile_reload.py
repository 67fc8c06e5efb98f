"""A changed clinic.yml is used by the next message of a running process, with no restart; a broken edit keeps the
last good profile."""
import os
import shutil
from pathlib import Path

import pytest

from bot.clinic import ProfileError, load_profile

KB = Path(__file__).resolve().parents[2] / "data" / "kb"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a later edit, whatever the clock


def test_a_new_number_is_used_without_a_restart(tmp_path):
    path = tmp_path / "clinic.yml"
    shutil.copy(KB / "clinic.yml", path)
    before = load_profile(path)
    _edit(path, f'"{before.office_phone}"', '"(555) 010-0123"')
    assert load_profile(path).office_phone == "(555) 010-0123"


def test_a_broken_edit_keeps_the_last_good_profile(tmp_path, caplog):
    path = tmp_path / "clinic.yml"
    shutil.copy(KB / "clinic.yml", path)
    good = load_profile(path)
    _edit(path, "timezone: America/Chicago", "timezone: Not/AZone")
    assert load_profile(path) == good
    assert "not reloaded" in caplog.text


def test_a_process_that_never_read_a_good_profile_refuses_to_start(tmp_path):
    path = tmp_path / "clinic.yml"
    shutil.copy(KB / "clinic.yml", path)
    _edit(path, "timezone: America/Chicago", "timezone: Not/AZone")
    with pytest.raises(ProfileError):
        load_profile(path)
