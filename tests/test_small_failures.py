"""The smaller failures the security probe found, each ending in a clear message or the right
result: NUL bytes, hostile file names, a mistyped crawl setting, a damaged ledger, and a disk
that fills up while transforming or applying (the step stops with one message; finished work
is kept; the same command goes on once there is space)."""
from __future__ import annotations

import re
import sqlite3

import pytest

from portalize.transform.pipeline import Mapping, RawPage, safe_filename, transform_page

from .conftest import _workspace_env, run_portalize
from .sites.local import closed_port, mount_tmpfs, unmount


def test_a_nul_byte_between_two_words_keeps_them_apart():
    page = RawPage("http://so.tinhmau.gov.vn/tin/bai-1.html", 200,
                   "<html><head><title>Sở\x00Tài nguyên</title></head><body><article><h1>Sở\x00Tài nguyên</h1>"
                   f"<p>Ủy ban\x00nhân dân tỉnh {'họp bàn kế hoạch năm. ' * 30}</p></article></body></html>".encode(),
                   "text/html; charset=utf-8")
    article = transform_page(page, Mapping(agency="so", hints={"item": ["*"]}))
    assert article.title == "Sở Tài nguyên"
    assert "Ủy ban nhân dân" in article.body_html and "\x00" not in article.body_html


@pytest.mark.parametrize("name, safe", [
    ("con.pdf", "con_.pdf"), ("NUL.txt", "NUL_.txt"), ("com1.docx", "com1_.docx"), ("con.tar.gz", "con_.tar.gz"),
    ("../../etc/passwd.pdf", "passwd.pdf"), ("..\\..\\windows\\win.ini", "win.ini"), (".pdf", "tep-dinh-kem.pdf"),
    ("...docx", "tep-dinh-kem.docx"), ("Quyết định 12.pdf", "Quyết định 12.pdf"), ("", "tep-dinh-kem"),
])
def test_file_names_that_windows_reserves_or_that_climb_out_are_made_safe_with_their_extension(name, safe):
    assert safe_filename(name) == safe


def test_a_mistyped_crawl_setting_is_a_clear_error_before_the_crawl(workspace):
    result = run_portalize("crawl", "stnmt", "-s", "-S", "DOWNLOAD_DELAY=abc", check=False)
    assert result.returncode == 2
    assert "DOWNLOAD_DELAY='abc': DOWNLOAD_DELAY must be a number of zero or more" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_damaged_ledger_names_the_file_and_what_to_do(workspace):
    ledger = workspace / "var" / "portalize.db"
    ledger.parent.mkdir(parents=True, exist_ok=True)
    ledger.write_bytes(b"\x13\x37 not a database " * 400)
    result = run_portalize("progress", check=False)
    assert result.returncode == 1
    assert f"the ledger sqlite:///{ledger} is damaged or not a portalize ledger" in result.stderr
    assert "restore the file from its last backup, or point PORTALIZE_DB at another file" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) <= 3


@pytest.mark.integration
def test_a_full_disk_while_transforming_and_applying_stops_cleanly_and_the_same_command_goes_on(tmp_path,
                                                                                               sample_server):
    """Ledger and portal on an 8 MB filesystem. After the crawl, a filler file takes the rest of
    the space: transform, then apply, stop with one message naming the ledger (or the portal)
    and the disk; nothing finished is lost; with the filler gone, the same commands finish."""
    tiny = tmp_path / "tiny"
    mount_tmpfs(tiny, "8m")
    try:
        env = {**_workspace_env(tmp_path), "PORTALIZE_DB": f"sqlite:///{tiny / 'portalize.db'}",
               "PORTALIZE_PORTAL_DB": f"sqlite:///{tiny / 'portal.db'}"}
        origin = [a for h, u in sample_server.origins.items() if h.startswith("stnmt") for a in ("--origin", f"{h}={u}")]
        run_portalize("agencies", "register", "stnmt", *origin, env_extra=env)
        run_portalize("crawl", "stnmt", "-s", *origin, env_extra=env)
        filler = tiny / "filler"

        def fill():
            try:
                with open(filler, "wb") as out:
                    while True:
                        out.write(b"\0" * 65536)
                        out.flush()
            except OSError:  # full (or already too full to make the file at all)
                pass

        fill()
        failed = run_portalize("transform", "stnmt", "-s", env_extra=env, check=False)
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert "the disk is full" in failed.stderr and "run the same command again" in failed.stderr
        assert "Traceback" not in failed.stderr
        filler.unlink()
        pages = sqlite3.connect(tiny / "portalize.db").execute("select count(*) from pages where status = 200").fetchone()[0]
        assert pages > 0  # the crawl's work is kept
        run_portalize("transform", "stnmt", "-s", env_extra=env)
        planned = run_portalize("plan", "stnmt", env_extra=env)
        plan_id = re.search(r"Plan (\d+)", planned.stdout)[1]
        fill()
        failed = run_portalize("apply", plan_id, "--yes", "-s", env_extra=env, check=False)
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert "the disk is full" in failed.stderr and "Traceback" not in failed.stderr
        filler.unlink()
        applied = run_portalize("apply", plan_id, "--yes", "-s", env_extra=env, check=False)
        if applied.returncode:  # the plan went stale by the half-done apply: plan again, as the message says
            assert "portalize plan stnmt" in applied.stderr, applied.stderr
            planned = run_portalize("plan", "stnmt", env_extra=env)
            plan_id = re.search(r"Plan (\d+)", planned.stdout)[1]
            run_portalize("apply", plan_id, "--yes", "-s", env_extra=env)
        again = run_portalize("plan", "stnmt", env_extra=env)
        assert " 0 create" in again.stdout and " 0 update" in again.stdout, again.stdout
    finally:
        unmount(tiny)


@pytest.mark.integration
def test_a_crawl_already_running_for_the_agency_is_named_and_left_alone(workspace, sample_server):
    """A second crawl of an agency whose crawl still runs says who runs it and touches nothing
    (it used to mark the live run `killed` and delete its job folder); the run of a process
    that is gone is taken over (marked killed, resumed from the ledger)."""
    import os
    import socket

    origin = [a for h, u in sample_server.origins.items() if h.startswith("stnmt") for a in ("--origin", f"{h}={u}")]
    run_portalize("crawl", "stnmt", "-s", *origin)
    ledger = sqlite3.connect(workspace / "var" / "portalize.db")
    alive = f"{os.getppid()}@{socket.gethostname()}@2026-12-01T08:00:00+00:00"
    ledger.execute("insert into crawl_runs (agency, started_at, status, stats) values ('stnmt', "
                   "'2026-12-01 08:00:00', 'running', ?)", (f'{{"lease": "{alive}"}}',))
    ledger.commit()
    jobs = workspace / "var" / "jobs" / "stnmt"
    jobs.mkdir(parents=True, exist_ok=True)
    (jobs / "requests.seen").write_text("live job state\n")
    busy = run_portalize("crawl", "stnmt", "-s", *origin, check=False)
    assert busy.returncode == 1
    assert f"agency stnmt is being crawled by pid {os.getppid()} on {socket.gethostname()}" in busy.stderr
    assert (jobs / "requests.seen").exists()
    assert ledger.execute("select count(*) from crawl_runs where status = 'running'").fetchone() == (1,)
    dead = alive.replace(f"{os.getppid()}@", "4194303@", 1)  # above Linux's pid_max: no such process
    ledger.execute("update crawl_runs set stats = ? where status = 'running'", (f'{{"lease": "{dead}"}}',))
    ledger.commit()
    run_portalize("crawl", "stnmt", "-s", *origin)
    assert ledger.execute("select count(*) from crawl_runs where status = 'killed'").fetchone() == (1,)


@pytest.mark.integration
def test_a_re_crawl_of_a_site_that_refuses_connections_fails_and_keeps_the_stored_copies(workspace):
    """The second crawl gets no answer at all: it says so and exits 1 (it used to report the
    stored copy as "200: 1" and exit 0); the pages stored by the first crawl are kept."""
    from portalize.samples.server import SampleServer

    with SampleServer() as server:
        origin = [a for h, u in server.origins.items() if h.startswith("stnmt") for a in ("--origin", f"{h}={u}")]
        run_portalize("crawl", "stnmt", "-s", *origin)
    closed = closed_port()
    host = origin[1].split("=", 1)[0]
    again = run_portalize("crawl", "stnmt", "-s", "--origin", f"{host}=http://127.0.0.1:{closed}", check=False)
    assert again.returncode == 1
    assert "agency stnmt: could not crawl http://stnmt.tinhmau.gov.vn/" in again.stderr
    assert "Connection" in again.stderr and "200: 1" not in again.stdout
    ledger = sqlite3.connect(workspace / "var" / "portalize.db")
    assert ledger.execute("select count(*) from pages where agency = 'stnmt' and status = 200 "
                          "and sha256 is not null").fetchone()[0] >= 10
