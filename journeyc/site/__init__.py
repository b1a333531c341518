"""`journeyc docs`: a static site of the project, like `dbt docs`.

A journey map, a page per journey (its flowchart, settings, source and problems) and per message (previews for
sample customers), searchable tables of the tracking plan, profile, segments, offers, channels and the contact
policy, and with an event log the simulation's funnels and every customer's timeline. `build.build_site` makes
the files, `folder.write_site` writes them, `serve.serve` serves them and rebuilds on every save.
"""
