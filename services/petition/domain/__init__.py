"""Pure domain of the petition service (信访 / 民情诉求): no I/O, no clock, no frameworks.

Entry points for the service layer:
- `matter.Matter.register(...)` and the aggregate's actions (assign, accept, raise_objection,
  add_note, extend, reply, rate, close, request_review, decide_review, request_re_review,
  decide_re_review, supervise, flag_deadlines); each records `events` and an `audit` entry.
- `intake.Petitioner.of`, `intake.generate_lookup_code`, `Matter.receipt()`.
- `clocks.PetitionClocks` (configurable periods), `clocks.deadlines` / `clocks.due_alerts`.
- `repeats.find_repeat`, `visibility.can_view` / `require_view` / `public_timeline`.

Modules: enums · categories · validators · intake · clocks · lifecycle · matter_state · oversight
· matter · repeats · visibility · events
"""
