"""Synthesize the phrases (with the cache), mix them on the timeline, master and encode one file.

Import the modules themselves (``voiceguide.audio.master``…): this package imports nothing, so
that commands which make no sound never load numpy or pydub.
"""
