"""voiceguide studio: write, customize, hear and share routines in the browser.

``voiceguide studio [FOLDER]`` (``cli/studio.py``) serves a local web app on 127.0.0.1 that
works on the routine files of FOLDER: a library, an editor generated from the format's JSON
Schema with a live preview from the real compiler, renders, variants, bundles and the podcast
site. ``app.py`` is the application and its safety checks, ``files.py`` the folder and the YAML
round trip, ``preview.py`` the live preview, ``jobs.py`` long work, ``server.py`` uvicorn.
Needs the ``studio`` extra (Starlette and uvicorn).
"""

from __future__ import annotations
