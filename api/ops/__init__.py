"""Ops: crawl schedules, job runs, the health view, and the jobs mechanism they share.

The scheduler (api/scheduler.py), the Dramatiq worker (api/worker.py) and the job
definitions (api/jobs.py) sit next to this package; routers and CLI call into it.
"""
