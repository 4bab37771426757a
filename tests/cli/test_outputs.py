"""The output helper on every kind of target: what a Unix user expects of ``cmd > target``."""

from __future__ import annotations

import io
import os
import socket
import stat
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from otp_bench import outputs
from otp_bench.outputs import OutputError, open_output, read_input, resolve_output, write_output
from tests.cli.targets import fifo_reader, make_char_device


def test_new_file_gets_the_umask_mode_and_no_temp_is_left(tmp_path: Path) -> None:
    target = tmp_path / "new.txt"
    write_output(target, "hello\n")
    assert target.read_text("utf-8") == "hello\n"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["new.txt"]


def test_a_new_secret_file_is_0600(tmp_path: Path) -> None:
    target = tmp_path / "revealed.har"
    write_output(target, "secret\n", secret=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_regular_file_is_replaced_keeping_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "kept.txt"
    target.write_text("old\n")
    target.chmod(0o640)
    inode = target.stat().st_ino
    write_output(target, "new\n")
    assert target.read_text("utf-8") == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.stat().st_ino != inode  # replaced (atomically), not truncated


def test_secrets_replacing_a_file_drop_its_group_and_other_bits(tmp_path: Path) -> None:
    target = tmp_path / "revealed.har"
    target.write_text("old\n")
    target.chmod(0o644)
    write_output(target, "secret\n", secret=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_failed_write_leaves_the_old_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "whole.txt"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), open_output(target) as fh:
        fh.write("half")
        raise RuntimeError("interrupted")
    assert target.read_text("utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["whole.txt"]


def test_dash_is_standard_output_and_is_not_closed() -> None:
    out = io.StringIO()
    t = write_output("-", "to stdout\n", stdout=out)
    assert t.is_stdout and str(t) == "standard output"
    assert out.getvalue() == "to stdout\n" and not out.closed


def test_a_symlink_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old\n")
    real.chmod(0o600)
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_output(link, "through the link\n")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text("utf-8") == "through the link\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "later.txt")
    write_output(link, "made\n")
    assert link.is_symlink() and (tmp_path / "later.txt").read_text("utf-8") == "made\n"


def test_a_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with fifo_reader(fifo) as got:
        write_output(fifo, "through the pipe\n")
    assert got() == b"through the pipe\n"
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_fifo_without_reader_gives_up_at_its_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    monkeypatch.setattr(outputs, "FIFO_DEADLINE", 0.2)
    with pytest.raises(OutputError, match="no process opened the FIFO"):
        write_output(fifo, "nobody listens\n")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_character_device_is_written_in_place(tmp_path: Path) -> None:
    dev = make_char_device(tmp_path / "null")
    before = dev.stat()
    write_output(dev, "discarded\n")
    after = dev.stat()
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert stat.S_IMODE(after.st_mode) == stat.S_IMODE(before.st_mode)


def test_dev_null_stays_a_device() -> None:
    assert resolve_output("/dev/null").kind == "special"
    write_output("/dev/null", "discarded\n")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_unix_socket_is_connected_and_written(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    got: list[bytes] = []

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            while chunk := conn.recv(4096):
                got.append(chunk)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    write_output(path, "over the socket\n")
    t.join(10)
    server.close()
    assert b"".join(got) == b"over the socket\n"
    assert stat.S_ISSOCK(path.stat().st_mode)


def test_a_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a directory; name a file"):
        write_output(tmp_path, "x")


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"folder .*no/such doesn't exist"):
        write_output(tmp_path / "no" / "such" / "f.txt", "x")
    assert not (tmp_path / "no").exists()


def test_a_read_only_file(tmp_path: Path) -> None:
    target = tmp_path / "ro.txt"
    target.write_text("keep\n")
    target.chmod(0o444)
    if os.access(target, os.W_OK):  # root may write anything: replaced, still read-only
        write_output(target, "root wrote\n")
        assert target.read_text("utf-8") == "root wrote\n"
    else:
        with pytest.raises(OutputError, match="read-only"):
            write_output(target, "x")
        assert target.read_text("utf-8") == "keep\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o444


def test_read_input_reads_stdin_for_dash(tmp_path: Path) -> None:
    assert read_input("-", stdin=io.StringIO("from stdin\n")) == "from stdin\n"
    f = tmp_path / "in.txt"
    f.write_text("from a file\n", "utf-8")
    assert read_input(f) == "from a file\n"


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(min_size=0, max_size=40))
def test_any_name_is_written_or_refused_in_one_line(tmp_path: Path, name: str) -> None:
    """Hostile names (NULs, slashes, dots, long, unicode): written whole, or one OutputError."""
    assume(".." not in name.split("/"))  # stay inside tmp_path: never climb out of it
    target = f"{tmp_path}/{name}"  # concatenated: a leading "/" can't make it absolute
    assert os.path.realpath(target.replace("\0", "")).startswith(str(tmp_path))
    try:
        t = write_output(target, "x\n")
    except OutputError as exc:
        assert "\n" not in str(exc)
        return
    if t.kind in ("new", "regular"):
        assert t.path is not None and t.path.read_text("utf-8") == "x\n"
