"""Share renders: bundles and their safe import, the player page, a site with its podcast feed.

Import the modules themselves (``voiceguide.share.bundle``…): ``archive`` (reading bundles) is
used by the pipeline, while ``bundle`` and ``site`` build on the pipeline.
"""
