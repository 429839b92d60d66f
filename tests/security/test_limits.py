"""Limits before work (issue 14, point 4): a request body's size, its sender and its CSRF token are checked
before the body is read, through a real uvicorn server on a localhost port; a workbook that would expand past
the limit is refused by every reader of XLSX, in the CLI and the upload, in a few megabytes of memory."""

from __future__ import annotations

import io
import json
import os
import re
import select
import socket
import struct
import subprocess
import sys
import threading
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
import uvicorn
from fastapi.testclient import TestClient

from hcsworkforce.errors import UserInputError
from hcsworkforce.ingest.reader import check_workbook
from hcsworkforce.server.app import create_app
from hcsworkforce.store import open_store
from tests.web.conftest import PASSWORDS, csrf_from, make_settings, sign_in

MB = 1024 * 1024
GIB = 1024 * MB
HCS = str(Path(sys.executable).with_name("hcs"))
MEMORY_BUDGET = 200 * MB


# -- a real server, and a client that streams a body until the server answers ------------------------------
class Counted:
    """Outermost ASGI wrapper: counts the body bytes the server hands to the application."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.received = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def counted() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
            return message

        await self.app(scope, counted if scope["type"] == "http" else receive, send)


@dataclass
class Served:
    port: int
    app: Counted
    data_dir: Path

    def signed_in(self, who: str = "nat") -> tuple[dict[str, str], str]:
        """Sign in over HTTP: the Cookie header of the session, and its CSRF token."""
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}") as c:
            r = c.post("/api/v1/session", json={"username": who, "password": PASSWORDS[who]})
            assert r.status_code == 200, r.text
            cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
        self.app.received = 0  # count from here: the sign-in's own body is not the one measured
        return {"Cookie": cookie}, str(r.json()["csrf_token"])


@pytest.fixture
def serve(data_dir: Path) -> Iterator[Callable[..., Served]]:
    """Start the app (built as `hcs serve` builds it, with the given settings) under uvicorn on a free port."""
    running: list[tuple[Any, threading.Thread]] = []

    def start(**settings: Any) -> Served:
        app = Counted(create_app(make_settings(data_dir, **settings), queue_mode="none"))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", server_header=False)
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        running.append((server, thread))
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        return Served(port, app, data_dir)

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    sent: int  # body bytes the client got onto the wire before the answer (or before the server hung up)
    seconds: float  # from the first body byte to the answer
    closed: bool  # the server closed the connection


def post_stream(
    port: int, path: str, headers: dict[str, str], body: Iterator[bytes], *, chunked: bool = False
) -> Answer:
    """POST a streamed body over a raw socket, sending only while the server has not answered."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    head += "Transfer-Encoding: chunked\r\n" if chunked else ""
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    sock.sendall(head.encode("latin-1"))
    sock.setblocking(False)
    sent, pending, sending = 0, b"", True
    received, closed = b"", False
    start = time.monotonic()
    answered_at: float | None = None
    while time.monotonic() - start < 60:
        readable, writable, _ = select.select([sock], [sock] if sending else [], [], 0.5)
        if readable:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                data = b""
            if answered_at is None:
                answered_at = time.monotonic()
            if not data:
                closed = True
                break
            received += data
            sending = False
            if _complete(received):
                closed = _hangs_up(sock)
                break
        elif writable and sending:
            if not pending:
                piece = next(body, None)
                if piece is None:
                    pending, sending = (b"0\r\n\r\n" if chunked else b""), False
                    if pending:
                        sock.setblocking(True)
                        sock.sendall(pending)
                        sock.setblocking(False)
                    continue
                pending = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
            try:
                n = sock.send(pending)
            except BlockingIOError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                sending = False
                continue
            sent += n
            pending = pending[n:]
    sock.close()
    head_bytes, _, rest = received.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    assert lines and lines[0].startswith("HTTP/1.1 "), f"no answer: {received[:200]!r}"
    answer_headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    return Answer(
        int(lines[0].split()[1]),
        answer_headers,
        rest,
        sent,
        (answered_at or time.monotonic()) - start,
        closed,
    )


def _hangs_up(sock: socket.socket) -> bool:
    """Whether the server closes the connection after its answer (within two seconds)."""
    sock.setblocking(True)
    sock.settimeout(2)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


def _complete(received: bytes) -> bool:
    head, sep, rest = received.partition(b"\r\n\r\n")
    if not sep:
        return False
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return m is not None and len(rest) >= int(m.group(1))


BOUNDARY = "limits-test-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def field(name: str, value: str) -> bytes:
    return f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()


def file_head(name: str = "extract", filename: str = "big.csv") -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()


def multipart_stream(total: int, before: bytes = b"", chunk: int = MB) -> Iterator[bytes]:
    """`total` bytes of a multipart body, made as they are sent: `before`, a file's head, then zeros."""
    start = before + file_head()
    yield start
    left = total - len(start)
    zeros = b"0" * chunk
    while left > 0:
        yield zeros[: min(chunk, left)]
        left -= chunk


def uploads_kept(data_dir: Path) -> list[Path]:
    folder = data_dir / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


# -- the request body: size, sender and CSRF before it is read --------------------------------------------
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_anonymous_gibibyte_upload_is_refused_before_it_is_read(
    serve: Callable[..., Served], chunked: bool
) -> None:
    served = serve()
    headers = {"Content-Type": MULTIPART}
    if not chunked:
        headers["Content-Length"] = str(GIB)
    answer = post_stream(served.port, "/api/v1/uploads", headers, multipart_stream(GIB), chunked=chunked)
    assert answer.status == 401, answer.body
    assert json.loads(answer.body)["detail"] == "Sign in first."
    assert served.app.received == 0, "not one byte of the body reached the application"
    assert answer.seconds < 2
    assert answer.sent < 64 * MB, "the client could send no more than the socket buffers hold"
    assert answer.headers.get("connection") == "close" and answer.closed
    assert uploads_kept(served.data_dir) == []


def test_anonymous_page_upload_is_sent_to_sign_in_unread(serve: Callable[..., Served]) -> None:
    served = serve()
    headers = {"Content-Type": MULTIPART, "Content-Length": str(GIB)}
    answer = post_stream(served.port, "/upload", headers, multipart_stream(GIB))
    assert answer.status == 303
    assert answer.headers["location"] == "/sign-in?next=%2Fupload"
    assert served.app.received == 0
    assert answer.seconds < 2


def test_anonymous_large_body_of_any_kind_is_refused_unread(serve: Callable[..., Served]) -> None:
    served = serve()
    body = b'{"username": "' + b"x" * (200 * 1024) + b'"}'
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    answer = post_stream(served.port, "/api/v1/session", headers, iter([body]))
    assert answer.status == 401
    assert served.app.received == 0
    # Signing in (a small anonymous body) still goes through.
    served.signed_in("org")


def test_signed_in_upload_without_csrf_token_is_refused_unread(serve: Callable[..., Served]) -> None:
    served = serve()
    cookie, _token = served.signed_in()
    headers = {**cookie, "Content-Type": MULTIPART, "Content-Length": str(GIB)}
    answer = post_stream(served.port, "/api/v1/uploads", headers, multipart_stream(GIB))
    assert answer.status == 403, answer.body
    assert json.loads(answer.body)["detail"] == "Missing or invalid CSRF token."
    # Only the start of the form is read to look for the token (at most 64 KB, and what came with it).
    assert served.app.received < MB
    assert answer.seconds < 2
    assert answer.headers.get("connection") == "close"
    assert uploads_kept(served.data_dir) == []


def test_signed_in_upload_with_a_wrong_csrf_header_is_refused_unread(serve: Callable[..., Served]) -> None:
    served = serve()
    cookie, token = served.signed_in()
    headers = {**cookie, "Content-Type": MULTIPART, "Content-Length": str(GIB), "X-CSRF-Token": token[::-1]}
    answer = post_stream(served.port, "/api/v1/uploads", headers, multipart_stream(GIB))
    assert answer.status == 403
    assert served.app.received == 0
    # A token in a form field after the file is not looked for: the file would have to be read first.
    headers = {**cookie, "Content-Type": MULTIPART, "Content-Length": str(GIB)}
    answer = post_stream(served.port, "/api/v1/uploads", headers, multipart_stream(GIB))
    assert answer.status == 403


def test_over_limit_content_length_is_refused_at_once(serve: Callable[..., Served]) -> None:
    served = serve()
    cookie, token = served.signed_in()
    headers = {**cookie, "X-CSRF-Token": token, "Content-Type": MULTIPART, "Content-Length": str(2 * GIB)}
    answer = post_stream(served.port, "/api/v1/uploads", headers, multipart_stream(2 * GIB))
    assert answer.status == 413
    assert "at most 1,024 MB" in json.loads(answer.body)["detail"]
    assert served.app.received == 0
    assert answer.seconds < 2
    # From the page, a page that says so.
    answer = post_stream(served.port, "/upload", headers, multipart_stream(2 * GIB))
    assert answer.status == 413 and answer.headers["content-type"].startswith("text/html")
    assert b"HCS_MAX_UPLOAD_MB" in answer.body
    # A body that is not an upload is held to 16 MB.
    headers = {**cookie, "X-CSRF-Token": token, "Content-Type": "application/json"}
    answer = post_stream(
        served.port, "/api/v1/session/end", {**headers, "Content-Length": str(17 * MB)}, iter([b"{}"])
    )
    assert answer.status == 413
    assert served.app.received == 0


def test_chunked_upload_is_cut_off_once_past_the_limit(serve: Callable[..., Served]) -> None:
    served = serve(max_upload_mb=2)
    cookie, token = served.signed_in()
    headers = {**cookie, "X-CSRF-Token": token, "Content-Type": MULTIPART}
    answer = post_stream(
        served.port, "/api/v1/uploads", headers, multipart_stream(GIB, chunk=64 * 1024), chunked=True
    )
    assert answer.status == 413, answer.body
    assert "HCS_MAX_UPLOAD_MB" in json.loads(answer.body)["detail"]
    assert 2 * MB < served.app.received <= 3 * MB
    assert answer.sent < 64 * MB
    assert answer.headers.get("connection") == "close"
    assert uploads_kept(served.data_dir) == []


def test_browser_form_with_the_token_first_is_accepted(serve: Callable[..., Served], demo_files: Any) -> None:
    """The upload page's own form (token first, no header) still uploads, through the real server."""
    served = serve()
    cookie, _ = served.signed_in()
    with httpx.Client(base_url=f"http://127.0.0.1:{served.port}", headers=cookie) as c:
        page = c.get("/upload")
        token = csrf_from(page.text)
        # As the browser sends it: the fields in the form's order, the token first, then the files.
        body = field("csrf_token", token) + file_head() + demo_files["extract"].read_bytes()
        body += f"\r\n--{BOUNDARY}--\r\n".encode()
        r = c.post("/upload", content=body, headers={"Content-Type": MULTIPART})
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith("/jobs/")
    assert served.app.received == len(body)


def test_every_upload_form_sends_its_token_first(client: Any) -> None:
    """The middleware finds a form's token only before its first file: each multipart form puts it first."""
    templates = Path(__file__).parents[2] / "src" / "hcsworkforce" / "web" / "templates"
    forms = 0
    for template in sorted(templates.glob("*.html")):
        for form in re.findall(
            r"<form[^>]*multipart/form-data[^>]*>(.*?)</form>", template.read_text(), re.S
        ):
            first = re.search(r"<(input|select|textarea)\b[^>]*>", form)
            assert first is not None and 'name="{{ csrf_field }}"' in first.group(0), template.name
            forms += 1
    assert forms >= 4
    sign_in(client, "nat")
    page = client.get("/upload").text
    form = page[page.index('<form method="post" action="/upload"') :]
    assert re.search(r"<input[^>]*>", form).group(0).startswith('<input type="hidden" name="csrf_token"')  # type: ignore[union-attr]


# -- workbooks that expand past the limit --------------------------------------------------------------------
SHEET = "xl/worksheets/sheet1.xml"
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats'
    b'.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
)
TAIL = b"</t></is></c></row></sheetData></worksheet>"


def _deflate(data: bytes, last: bool) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)


def write_bomb(path: Path, megabytes: int, declare: int | None = None) -> Path:
    """A valid workbook whose sheet is one text cell of `megabytes` MB, deflated to about 1 KB a megabyte (the
    same deflate block repeated: after a full flush each block stands alone). Its table of parts declares the
    sheet's true size, or `declare` bytes (a forged table)."""
    import xlsxwriter  # only here: the other parts of a real workbook

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf)
    book.add_worksheet().write(0, 0, "x")
    book.close()
    parts: list[tuple[str, list[bytes], int, int]] = []  # name, deflated pieces, crc, size
    with zipfile.ZipFile(buf) as small:
        for name in small.namelist():
            if name != SHEET:
                data = small.read(name)
                parts.append((name, [_deflate(data, True)], zlib.crc32(data), len(data)))
    block = b"A" * MB
    crc = zlib.crc32(HEAD)
    for _ in range(megabytes):
        crc = zlib.crc32(block, crc)
    pieces = [_deflate(HEAD, False), *[_deflate(block, False)] * megabytes, _deflate(TAIL, True)]
    parts.append((SHEET, pieces, zlib.crc32(TAIL, crc), len(HEAD) + megabytes * MB + len(TAIL)))
    directory = b""
    with path.open("wb") as fh:
        for name, deflated, crc, size in parts:
            raw, csize = name.encode(), sum(len(p) for p in deflated)
            usize = declare if declare is not None and name == SHEET else size
            offset = fh.tell()
            fh.write(
                struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, csize, usize, len(raw), 0)
            )
            fh.write(raw)
            for piece in deflated:
                fh.write(piece)
            entry = (b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, csize, usize, len(raw), 0, 0, 0, 0, 0, offset)
            directory += struct.pack("<4s6H3L5H2L", *entry) + raw
        at = fh.tell()
        fh.write(directory)
        fh.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(parts), len(parts), len(directory), at, 0))
    return path


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    return {
        # 1.5 GB of sheet in 1.6 MB, honestly declared: 1,000 times.
        "bomb": write_bomb(folder / "bomb.xlsx", 1536),
        # The same, its table claiming 50 MB (33 times, within every declared limit): found only by inflating.
        "forged": write_bomb(folder / "forged.xlsx", 1536, declare=50 * MB),
    }


def test_a_bomb_is_a_valid_workbook(tmp_path: Path) -> None:
    """The test's bomb is what it claims: a workbook a reader opens, holding one cell of the size written."""
    small = write_bomb(tmp_path / "small.xlsx", 3)
    with zipfile.ZipFile(small) as z:
        assert z.testzip() is None
    cell = pl.read_excel(small, engine="calamine", has_header=False)[0, 0]
    assert len(cell) == 3 * MB


def test_workbook_checks_refuse_before_inflating_in_little_memory(bombs: dict[str, Path]) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(UserInputError) as declared:
            check_workbook(bombs["bomb"], "bomb.xlsx")
        with pytest.raises(UserInputError) as forged:
            check_workbook(bombs["forged"], "forged.xlsx")  # 1.5 GB inflated, a megabyte at a time
        with pytest.raises(UserInputError) as over:
            check_workbook(bombs["bomb"], "bomb.xlsx", limit_mb=1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * MB
    assert declared.value.summary().startswith("bomb.xlsx: the spreadsheet expands to 1,536 MB from 1.5 MB")
    assert "save it as CSV or split it" in declared.value.summary()
    assert "expands past the 50 MB it declares" in forged.value.summary()
    assert "the spreadsheet expands to 1,536 MB (limit 1,024 MB" in over.value.summary()


def test_a_workbook_of_too_many_parts_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(10_001):
            z.writestr(f"p{i}", b"")
    with pytest.raises(UserInputError, match="10,001 parts"):
        check_workbook(path)


# Starts the command from a small process and reports its peak memory. Linux counts a child's peak from the
# moment it is forked, when it is a copy of its parent: forked from pytest (a few hundred MB by then) it would
# report pytest's size. A 4 GB address-space limit makes a missing check fail the test, not the machine.
LAUNCHER = """
import resource, subprocess, sys
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
code = subprocess.call(sys.argv[1:])
sys.stdout.flush()
print(f"@@peak={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024} code={code}")
"""


def _run_limited(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, int]:
    """Run `hcs ...` (or a Python command line): its exit code, output and peak resident memory in bytes."""
    argv = args if args[0] == sys.executable else [HCS, *args]
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *argv],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=False,
        timeout=600,
    )
    out, _, last = done.stdout.decode().rpartition("@@peak=")
    peak, code = last.split(" code=")
    return int(code), out, int(peak)


def _cli_env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HCS_")}
    return {
        **env,
        "HCS_DATA_DIR": str(folder),
        "HCS_DATABASE_URL": f"sqlite:///{folder / 'hcs.db'}",
        "COLUMNS": "200",
    }


@pytest.mark.parametrize(
    "command",
    [
        ["import", "{file}", "--census-date", "2025-03-31"],
        ["import-published", "{file}"],
        ["survey", "import", "{file}"],
        ["people", "import", "{file}"],
    ],
    ids=["import", "import-published", "survey", "people"],
)
@pytest.mark.parametrize("kind", ["bomb", "forged"])
def test_cli_refuses_a_zip_bomb_in_little_memory(
    tmp_path: Path, bombs: dict[str, Path], command: list[str], kind: str
) -> None:
    args = [a.replace("{file}", str(bombs[kind])) for a in command]
    code, out, peak = _run_limited(args, _cli_env(tmp_path), tmp_path)
    assert code == 2, out
    assert "Traceback" not in out
    assert f"{kind}.xlsx" in out and "save it as CSV or split it" in out
    assert peak < MEMORY_BUDGET, f"peak {peak / MB:.0f} MB"


def test_cli_limit_follows_the_setting(tmp_path: Path) -> None:
    """A workbook expanding honestly (about 10 times) past max_xlsx_inflated_mb is refused by its size."""
    path = tmp_path / "wide.xlsx"
    pl.DataFrame({f"c{i}": [f"value {i} {r}" for r in range(20_000)] for i in range(8)}).write_excel(path)
    env = {**_cli_env(tmp_path), "HCS_MAX_XLSX_INFLATED_MB": "1"}
    code, out, _ = _run_limited(["import", str(path), "--census-date", "2025-03-31"], env, tmp_path)
    assert code == 2
    assert (
        "wide.xlsx: the spreadsheet expands to" in out and "(limit 1.0 MB, HCS_MAX_XLSX_INFLATED_MB)" in out
    )


def test_a_normal_workbook_still_imports(tmp_path: Path) -> None:
    """A trust's own reports as workbooks (the checks inflate and count every part) load as before."""
    env = _cli_env(tmp_path)
    book = tmp_path / "trust.xlsx"
    code, out, _ = _run_limited(
        ["synth", "--layout", "esr", "--staff", "150", "--organisations", "3", "--out", str(book)],
        env,
        tmp_path,
    )
    assert code == 0, out
    code, out, _ = _run_limited(
        ["import", str(book), "--leavers", str(book.with_name("trust_leavers.xlsx"))], env, tmp_path
    )
    assert code == 0, out
    store = open_store(env["HCS_DATABASE_URL"])
    try:
        assert store.census_dates() == [date(2025, 3, 31)]
        assert store.staff().height >= 150  # the people in post, and some second assignments
    finally:
        store.engine.dispose()


def test_upload_refuses_a_zip_bomb_in_little_memory(data_dir: Path, bombs: dict[str, Path]) -> None:
    """Through the API: the bomb is refused as it is kept (422, nothing queued or kept), the server's memory
    barely moving; the forged one, whose table of parts lies, is kept and its import job refuses it, in a
    process of its own whose memory is measured. (The app here queues nothing itself, so a missing check
    could not run an import in this process.)"""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # the peak resident memory starts again from here
    except OSError:
        pytest.skip("needs Linux's /proc/self/clear_refs to measure peak memory")
    settings = make_settings(data_dir)
    with TestClient(create_app(settings, queue_mode="none")) as client:
        token = sign_in(client, "nat")
        answers = {}
        for kind in ("bomb", "forged"):
            before = _peak_rss()
            with bombs[kind].open("rb") as fh:
                answers[kind] = client.post(
                    "/api/v1/uploads",
                    files={"extract": (f"{kind}.xlsx", fh, "application/octet-stream")},
                    headers={"X-CSRF-Token": token},
                )
            assert _peak_rss() - before < MEMORY_BUDGET
        assert answers["bomb"].status_code == 422, answers["bomb"].text
        assert "bomb.xlsx: the spreadsheet expands to 1,536 MB" in answers["bomb"].json()["detail"]
        assert len(uploads_kept(data_dir)) == 1, "the refused bomb is not kept, the forged one is"
        assert answers["forged"].status_code == 202, answers["forged"].text
        job_id = answers["forged"].json()["id"]
        run_job = "import sys; from hcsworkforce.services.jobs import execute_job; from hcsworkforce.store "
        run_job += "import open_store; execute_job(open_store(sys.argv[1]), sys.argv[2])"
        env = {
            **_cli_env(data_dir),
            "HCS_DATABASE_URL": settings.resolved_database_url(),
            "HCS_PSEUDONYM_KEY_FILE": str(settings.resolved_key_file()),
        }
        argv = [sys.executable, "-c", run_job, settings.resolved_database_url(), job_id]
        code, out, peak = _run_limited(argv, env, data_dir)
        assert code == 0, out
        assert peak < MEMORY_BUDGET, f"peak {peak / MB:.0f} MB"
        job = client.get(f"/api/v1/jobs/{job_id}").json()
    assert job["status"] == "failed"
    assert "expands past the 50 MB it declares" in json.dumps(job["result"])


def _peak_rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")
