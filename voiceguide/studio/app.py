"""The studio's web application (Starlette): the page, its JSON API and the safety checks.

Safety (the studio can write and delete files, so only its own page may drive it):
- it listens on 127.0.0.1 only (``server.py``);
- every request needs the random token: the first page load brings it in the URL and gets it
  back as an HttpOnly, SameSite=Strict cookie; every request that changes something must also
  send it in the ``X-Studio-Token`` header, which a page of another site cannot set without a
  CORS preflight, which is never granted (CSRF);
- the Host header must be 127.0.0.1 or localhost with the studio's port (DNS rebinding), and an
  Origin header, when sent, must be the studio's own (cross-site requests are refused, as are
  those Fetch Metadata marks ``cross-site`` or ``same-site``: another port of 127.0.0.1);
- files are named by a bare name inside the folder (``files.Folder``); request bodies are
  limited to the routine file limit and JSON only; every page has a strict
  Content-Security-Policy (own scripts and styles only, no inline script, no network elsewhere).
"""

from __future__ import annotations

import hmac
import json
import re
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import pipeline
from ..errors import InputError, VoiceguideError
from ..format.load import MAX_FILE_BYTES, MAX_REPS, MAX_SETS, load_routine, parse_routine
from ..model import Level
from ..script.customize import MAX_HOLD, Customization, check, customize
from ..script.variant import variant_text
from ..share.archive import slug
from . import schema
from .files import (
    OUTPUT,
    SCRATCH,
    Conflict,
    Folder,
    dump,
    load_doc,
    read_text,
    template_path,
    with_data,
)
from .jobs import Jobs, Report, watch_encode
from .preview import Speaker
from .preview import check as check_text

STATIC = Path(__file__).resolve().parent / "static"
MAX_BODY = MAX_FILE_BYTES * 2 + 65_536  # a routine's text and its form data, JSON-escaped
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "media-src 'self'; connect-src 'self'; frame-src 'self'; base-uri 'none'; "
       "form-action 'none'; frame-ancestors 'none'")
HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
           "cross-origin-opener-policy": "same-origin",
           "cross-origin-resource-policy": "same-origin"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PAGE_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"')
LEVELS = ("easy", "standard", "hard")


@dataclass
class Studio:
    """What the application works on: the folder, the speaker, the jobs, the token and port."""

    folder: Folder
    token: str
    port: int
    options: pipeline.Options = field(default_factory=pipeline.Options)
    speaker: Speaker = field(init=False)
    jobs: Jobs = field(default_factory=Jobs)
    lengths: dict[str, float] = field(default_factory=dict)  # text hash -> length, for the library

    def __post_init__(self) -> None:
        self.speaker = Speaker(self.options)

    @property
    def cookie(self) -> str:
        return f"voiceguide_studio_{self.port}"

    @property
    def origins(self) -> set[str]:
        return {f"http://127.0.0.1:{self.port}", f"http://localhost:{self.port}"}


class Guard:
    """ASGI middleware: the Host, Origin, Fetch Metadata and token checks of every request."""

    def __init__(self, app: ASGIApp, studio: Studio) -> None:
        self.app = app
        self.studio = studio

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        refusal = self.refusal(scope, headers)
        if refusal is not None:
            response: Response = JSONResponse({"error": refusal}, status_code=403,
                                              headers=HEADERS)
            await response(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if scope["path"] == "/" and query.get("token"):
            # the first load: the token becomes a cookie and leaves the address bar
            response = RedirectResponse("/", status_code=303, headers=HEADERS)
            response.set_cookie(self.studio.cookie, self.studio.token, httponly=True,
                                samesite="strict", path="/")
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(k.encode(), v.encode()) for k, v in HEADERS.items()]
                if not scope["path"].startswith("/play/"):
                    extra.append((b"content-security-policy", CSP.encode()))
                if scope["path"].startswith("/api/"):
                    extra.append((b"cache-control", b"no-store"))
                elif scope["path"].startswith(("/play/", "/download/")):
                    extra.append((b"cache-control", b"no-cache"))  # a new render, same name
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def refusal(self, scope: Scope, headers: dict[str, str]) -> str | None:
        """Why a request is refused, or None."""
        studio = self.studio
        if headers.get("host") not in {o.removeprefix("http://") for o in studio.origins}:
            return "wrong Host: the studio answers only on 127.0.0.1 and localhost"
        origin = headers.get("origin")
        if origin is not None and origin not in studio.origins:
            return "request from another site refused"
        # only the studio's own page ("same-origin") or the address typed or opened ("none");
        # "same-site" is another port of 127.0.0.1, whose page gets the cookie too
        if headers.get("sec-fetch-site", "same-origin") not in {"same-origin", "none"}:
            return "request from another site refused"
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.get("token", [""])[0] if scope["path"] == "/" else ""
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:
            cookie = SimpleCookie()
        from_cookie = cookie[studio.cookie].value if studio.cookie in cookie else ""
        header = headers.get("x-studio-token", "")
        if scope["method"] in UNSAFE:
            if not self.matches(header):
                return "missing or wrong token: open the studio with the address it printed"
        elif not (self.matches(given) or self.matches(from_cookie) or self.matches(header)):
            return "missing or wrong token: open the studio with the address it printed"
        return None

    def matches(self, value: str) -> bool:
        return bool(value) and hmac.compare_digest(value.encode(), self.studio.token.encode())


# --- helpers -------------------------------------------------------------------------------------


class BadRequest(InputError):
    """A request the API cannot take (wrong JSON); answered with 400 and the message."""


async def body(request: Request) -> dict[str, Any]:
    """The request's JSON object, read up to MAX_BODY bytes."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise BadRequest("send JSON (Content-Type: application/json)")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY:
            raise BadRequest("the request is too large")
    try:
        value = json.loads(data or b"{}")
    except ValueError:
        raise BadRequest("the request is not valid JSON") from None
    if not isinstance(value, dict):
        raise BadRequest("send a JSON object")
    return value


def text_field(data: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise BadRequest(f"'{key}' must be text")
    return value


def choices_of(data: Any) -> Customization:
    """A Customization from the page's JSON (level, reps, sets, holds, rest, skip, intro,
    outro), every value checked against the CLI's limits."""
    if data is None:
        return Customization()
    if not isinstance(data, dict):
        raise BadRequest("'choices' must be an object")

    def counts(key: str, high: int) -> dict[str, int]:
        values = data.get(key) or {}
        if not isinstance(values, dict):
            raise BadRequest(f"'{key}' must map exercise ids to numbers")
        result = {}
        for exercise_id, value in values.items():
            if value in (None, ""):
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
                raise InputError(f"{key} of {exercise_id}: {value!r} is out of range; allowed: "
                                 f"1 to {high}")
            result[str(exercise_id)] = value
        return result

    level: Level = data.get("level") or "standard"
    if level not in LEVELS:
        raise InputError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    rest = data.get("rest")
    if rest in ("", None):
        rest = None
    elif isinstance(rest, bool) or not isinstance(rest, (int, float)) or not 0 <= rest <= 3600:
        raise InputError(f"rest: {rest!r} is out of range; allowed: 0 to 3600 seconds")
    skip = data.get("skip") or []
    if not isinstance(skip, list) or not all(isinstance(s, str) for s in skip):
        raise BadRequest("'skip' must be a list of exercise ids")
    return Customization(level=level, reps=counts("reps", MAX_REPS),
                         sets=counts("sets", MAX_SETS), holds=counts("holds", MAX_HOLD),
                         rest=None if rest is None else float(rest), skip=tuple(skip),
                         intro=data.get("intro", True) is not False,
                         outro=data.get("outro", True) is not False)


def error_response(error: Exception) -> JSONResponse:
    if isinstance(error, Conflict):
        return JSONResponse({"error": str(error), "conflict": True,
                             "disk_hash": error.disk_hash}, status_code=409)
    return JSONResponse({"error": str(error)}, status_code=400)


Handler = Callable[[Studio, Request], Awaitable[Response]]


def endpoint(studio: Studio, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def call(request: Request) -> Response:
        try:
            return await handler(studio, request)
        except VoiceguideError as error:
            return error_response(error)

    return call


def output_of(studio: Studio, name: str) -> Path:
    """Where a routine's render goes: ``FOLDER/output/<slug>.mp3``."""
    return studio.folder.root / OUTPUT / f"{slug(Path(name).stem)}.mp3"


# --- pages ---------------------------------------------------------------------------------------


async def index(studio: Studio, request: Request) -> Response:
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    return HTMLResponse(page.replace("{{token}}", studio.token))


async def player(studio: Studio, request: Request) -> Response:
    """The bundles' player page for a routine's last render (``/play/<slug>/``), and its files."""
    from ..share.player import player_page

    name = request.path_params["name"]
    file = request.path_params.get("file", "")
    audio = studio.folder.root / OUTPUT / f"{slug(name)}.mp3"
    if name != slug(name) or not audio.is_file():
        return JSONResponse({"error": "not rendered yet"}, status_code=404)
    if file:
        allowed = {audio.name, f"{name}.vtt", f"{name}.cues.json"}
        if file not in allowed:
            return JSONResponse({"error": "no such file"}, status_code=404)
        return FileResponse(studio.folder.inside(f"{OUTPUT}/{file}"))
    sheet = json.loads((audio.with_name(f"{name}.cues.json")).read_text(encoding="utf-8"))
    page = player_page(sheet, audio.name, None, [("Transcript", f"{name}.vtt")])
    # the page's own policy (its script by hash), and that only the studio may frame it
    found = PAGE_CSP.search(page)
    csp = (found.group(1) if found else "default-src 'none'") + \
        "; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
    return HTMLResponse(page, headers={"content-security-policy": csp})


async def download(studio: Studio, request: Request) -> Response:
    """A file of the output folder (audio, bundle), as a download."""
    file = request.path_params["file"]
    path = studio.folder.inside(f"{OUTPUT}/{file}")
    return FileResponse(path, filename=path.name,
                        content_disposition_type="attachment")


# --- the API -------------------------------------------------------------------------------------


async def api_schema(studio: Studio, request: Request) -> Response:
    return JSONResponse(schema.routine_schema())


def _library(studio: Studio) -> list[dict[str, Any]]:
    from ..format.load import list_templates

    entries = []
    for source, path in [*(("folder", p) for p in studio.folder.routines()),
                         *(("template", p) for p in list_templates())]:
        entry: dict[str, Any] = {"name": path.name if source == "folder" else path.stem,
                                 "source": source}
        try:
            text, text_hash = read_text(path)
            routine = parse_routine(text, path.name)
            entry.update(title=routine.title, exercises=len(routine.exercises),
                         kind=routine.kind, hash=text_hash,
                         duration=studio.lengths.get(text_hash))
        except VoiceguideError as error:
            entry.update(title=path.stem, error=str(error).split("\n")[0])
        entries.append(entry)
    return entries


async def api_library(studio: Studio, request: Request) -> Response:
    return JSONResponse({"folder": str(studio.folder.root),
                         "routines": await run_in_threadpool(_library, studio)})


async def api_length(studio: Studio, request: Request) -> Response:
    """The length of a routine of the library (its previewed timeline's)."""
    data = await body(request)
    name = text_field(data, "name")
    path = template_path(name) if data.get("source") == "template" else studio.folder.path(name)

    def measure() -> dict[str, Any]:
        text, text_hash = read_text(path)
        timeline, pending = studio.speaker.measure(customize(parse_routine(text, path.name)),
                                                   wait=30.0)
        if not pending:
            studio.lengths[text_hash] = round(timeline.duration, 3)
        return {"duration": round(timeline.duration, 3), "pending": pending}

    return JSONResponse(await run_in_threadpool(measure))


async def api_routine(studio: Studio, request: Request) -> Response:
    name = request.query_params.get("name", "")
    if request.query_params.get("source") == "template":
        text, text_hash = read_text(template_path(name))
        return JSONResponse({"name": name, "text": text, "hash": text_hash, "template": True})
    text, text_hash = studio.folder.read(name)
    return JSONResponse({"name": name, "text": text, "hash": text_hash})


async def api_check(studio: Studio, request: Request) -> Response:
    """Validate and preview the editor's routine. With ``data`` (the form's), the text is first
    changed to say it, keeping its comments; the answer carries the text."""
    data = await body(request)
    text = text_field(data, "text")
    name = text_field(data, "name", "routine.yaml")
    choices = choices_of(data.get("choices"))
    wait = float(data["wait"]) if isinstance(data.get("wait"), (int, float)) else 1.5

    def run() -> dict[str, Any]:
        new_text = with_data(text, data["data"]) if "data" in data else text
        result = check_text(new_text, name, studio.speaker, choices, min(max(wait, 0.0), 30.0),
                            data="data" not in data)
        result["text"] = new_text
        return result

    return JSONResponse(await run_in_threadpool(run))


async def api_save(studio: Studio, request: Request) -> Response:
    data = await body(request)
    name, text = text_field(data, "name"), text_field(data, "text")
    base = data.get("base_hash")
    new_hash = await run_in_threadpool(studio.folder.save, name, text,
                                       base if isinstance(base, str) else None)
    return JSONResponse({"name": name, "hash": new_hash})


async def api_new(studio: Studio, request: Request) -> Response:
    """A new routine: from a template (its text, comments and all) or from scratch."""
    data = await body(request)
    template = data.get("template")
    title = text_field(data, "title", "New routine").strip() or "New routine"
    if template:
        text = read_text(template_path(text_field(data, "template")))[0]
        stem = text_field(data, "template")
    else:
        text = SCRATCH.format(title=json.dumps(title, ensure_ascii=False))
        stem = slug(title)
    name = data.get("name") or studio.folder.free_name(stem)
    studio.folder.create(text_field({"name": name}, "name"), text)
    return JSONResponse({"name": name})


async def api_duplicate(studio: Studio, request: Request) -> Response:
    data = await body(request)
    name = text_field(data, "name")
    text = studio.folder.read(name)[0]
    copy = studio.folder.free_name(f"{Path(name).stem}-copy")
    studio.folder.create(copy, text)
    return JSONResponse({"name": copy})


async def api_trash(studio: Studio, request: Request) -> Response:
    data = await body(request)
    target = studio.folder.trash(text_field(data, "name"))
    return JSONResponse({"trashed": str(target.relative_to(studio.folder.root))})


async def api_variant(studio: Studio, request: Request) -> Response:
    """Save a customized copy of a saved routine under a new name and title."""
    data = await body(request)
    name, title = text_field(data, "name"), text_field(data, "title").strip()
    if not title:
        raise InputError("give the variant a title")
    choices = choices_of(data.get("choices"))
    source = studio.folder.path(name)
    new_name = data.get("new_name") or studio.folder.free_name(slug(title))
    target = studio.folder.path(text_field({"n": new_name}, "n"))

    def write() -> dict[str, Any]:
        routine = customize(load_routine(source), choices)
        args = choices.as_args()
        derived = f"{source.name} with {' '.join(args)}" if args else source.name
        text = variant_text(read_text(source)[0], routine, derived)
        doc = load_doc(text)
        doc["title"] = title
        text = dump(doc)
        parse_routine(text, target.name)
        studio.folder.create(target.name, text)
        return {"name": target.name}

    return JSONResponse(await run_in_threadpool(write))


def _render(studio: Studio, name: str, choices: Customization, report: Report
            ) -> dict[str, Any]:
    from ..share.bundle import render_current

    source = studio.folder.path(name)
    check(load_routine(source), choices)
    options = replace(studio.options, choices=choices)
    audio = output_of(studio, name)
    report(0.02, "speaking new phrases")
    timeline, _ = studio.speaker.measure(customize(load_routine(source), choices), wait=600)
    report(0.3, "mixing and encoding")
    done = threading.Event()
    watcher = threading.Thread(target=watch_encode,
                               args=(audio, timeline.duration * 96_000 / 8, report, done))
    watcher.start()
    try:
        rendered = studio.speaker.run(lambda: render_current(source, options, audio))
    finally:
        done.set()
        watcher.join()
    sheet = json.loads(rendered.sheet.read_text(encoding="utf-8"))
    stem = audio.stem
    return {"audio": f"{OUTPUT}/{audio.name}", "duration": sheet["duration"],
            "player": f"/play/{stem}/", "download": f"/download/{audio.name}",
            "reused": rendered.reused}


async def api_render(studio: Studio, request: Request) -> Response:
    data = await body(request)
    name = text_field(data, "name")
    studio.folder.path(name)
    choices = choices_of(data.get("choices"))
    job = studio.jobs.start("render", lambda report: _render(studio, name, choices, report))
    return JSONResponse(job.as_dict())


async def api_bundle(studio: Studio, request: Request) -> Response:
    data = await body(request)
    name = text_field(data, "name")
    source = studio.folder.path(name)
    choices = choices_of(data.get("choices"))

    def work(report: Report) -> dict[str, Any]:
        from ..share.bundle import bundle

        rendered = _render(studio, name, choices, lambda p, s: report(p * 0.9, s))
        report(0.92, "packing the bundle")
        output = output_of(studio, name).with_suffix(".zip")
        studio.speaker.run(lambda: bundle(source, replace(studio.options, choices=choices),
                                          output, output.parent, force=True))
        return {**rendered, "bundle": f"/download/{output.name}"}

    return JSONResponse(studio.jobs.start("bundle", work).as_dict())


async def api_site(studio: Studio, request: Request) -> Response:
    """Rebuild the folder's podcast site into ``FOLDER/site``."""
    data = await body(request)
    base_url = text_field(data, "base_url")
    title = text_field(data, "title", "")

    def work(report: Report) -> dict[str, Any]:
        from ..share.site import Channel, build_site, check_base_url

        check_base_url(base_url)
        report(0.05, "rendering what changed")
        site = studio.speaker.run(lambda: build_site(
            studio.folder.root, studio.folder.root / "site", base_url, studio.options,
            Channel(title=title or None)))
        return {"folder": "site", "episodes": len(site.episodes),
                "rendered": list(site.rendered), "written": len(site.written)}

    return JSONResponse(studio.jobs.start("site", work).as_dict())


async def api_job(studio: Studio, request: Request) -> Response:
    job = studio.jobs.get(request.path_params["job"])
    if job is None:
        return JSONResponse({"error": "no such job"}, status_code=404)
    return JSONResponse(job.as_dict())


def create_app(studio: Studio) -> ASGIApp:
    """The ASGI application of ``studio``, wrapped in its Guard."""

    def route(path: str, handler: Handler, methods: tuple[str, ...] = ("GET",)) -> Route:
        return Route(path, endpoint(studio, handler), methods=list(methods))

    post = ("POST",)
    routes = [
        route("/", index),
        route("/api/schema", api_schema),
        route("/api/library", api_library),
        route("/api/length", api_length, post),
        route("/api/routine", api_routine),
        route("/api/check", api_check, post),
        route("/api/save", api_save, post),
        route("/api/new", api_new, post),
        route("/api/duplicate", api_duplicate, post),
        route("/api/trash", api_trash, post),
        route("/api/variant", api_variant, post),
        route("/api/render", api_render, post),
        route("/api/bundle", api_bundle, post),
        route("/api/site", api_site, post),
        route("/api/job/{job}", api_job),
        route("/play/{name}/", player),
        route("/play/{name}/{file}", player),
        route("/download/{file}", download),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Guard(Starlette(routes=routes), studio)
