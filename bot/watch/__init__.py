"""The press-release watcher (issue #13): 정책브리핑's Open API read on a schedule, meeting
releases turned into proposals for the admins.

    client.py      the API: the list of releases (paged, retried), attachments
    candidates.py  which releases report a meeting's agenda; read and merged per meeting
    watcher.py     one pass: collect (blocking, changes nothing), then deliver (preview or store)

What was handled lives in the store (`Store.watch_seen`, `Store.watch_cursor`).
"""
