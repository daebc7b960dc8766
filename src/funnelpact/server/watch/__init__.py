"""The live watch: every lead's SLA obligations kept current in the store, alerts, the closed loop.

Public API (docs/watch.md): ``services.use_agreement``, ``services.refresh_obligations``,
``services.decide``, ``scheduler.tick`` / ``scheduler.start_in_process_scheduler``,
``assignment.assign_new_mqls``, ``services.team_figures``, ``services.rejections``.
"""
