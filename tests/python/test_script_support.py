"""datasets/script_support.py: the validation scripts' argument checks, made before any work."""
import argparse
import os

import pytest

from conftest import minerisk_bin

import script_support


class Refused(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise Refused(message)


def test_a_bare_program_name_is_made_absolute(monkeypatch):
    """Checked in the current folder, as the check looks; subprocess would search PATH instead."""
    program = os.path.realpath(minerisk_bin())
    monkeypatch.chdir(os.path.dirname(program))
    assert script_support.check_program(Parser(), os.path.basename(program)) == program
    with pytest.raises(Refused, match="is not a program"):
        script_support.check_program(Parser(), "no_such_program")


def test_a_json_in_the_keep_folder_or_naming_a_folder_is_refused(tmp_path):
    (tmp_path / "keep").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "keep")
    for path, keep, says in ((tmp_path / "keep" / "s.json", tmp_path / "keep", "lies in --keep"),
                             (tmp_path / "link" / "s.json", tmp_path / "keep", "lies in --keep"),
                             (tmp_path / "keep" / "s.json", tmp_path / "link", "lies in --keep"),
                             (f"{tmp_path}/new/", None, "names a folder"),
                             (tmp_path / "keep", None, "exists")):
        with pytest.raises(Refused, match=says):
            script_support.check_new_json(Parser(), str(path), keep and str(keep))
    script_support.check_new_json(Parser(), str(tmp_path / "s.json"), str(tmp_path / "keep"))


def test_a_folder_under_a_file_or_an_empty_path_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(Refused, match="a file stands where a folder is needed"):
        script_support.check_folder(Parser(), "--keep", str(tmp_path / "file" / "k"))
    script_support.check_folder(Parser(), "--keep", str(tmp_path / "new" / "k"))
    with pytest.raises(Refused, match="--keep is empty"):
        script_support.check_not_empty(Parser(), argparse.Namespace(keep=""), ("keep",))
