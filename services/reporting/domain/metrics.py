"""Metric names: the keys of the pre-aggregated tables, shared by the projection and the figures.

Naming: `<domain>.<what>`; a `.by_<dimension>` suffix means the same count split by that dimension
(so a total is never summed over two different splits). `_cohort` metrics are bucketed by the day the
thing started (a hazard's found day, a request's submitted day), carried on the event itself.
"""

from __future__ import annotations

# ----- 信访 petitions ------------------------------------------------------------------------------
P_RECEIVED = "petition.received"  # count 1, amount = headcount
P_RECEIVED_BY_CHANNEL = "petition.received.by_channel"
P_RECEIVED_BY_KIND = "petition.received.by_kind"
P_RECEIVED_BY_CATEGORY = "petition.received.by_category"
P_GROUP_VISITS = "petition.group_visits"  # amount = headcount
P_REPEATS = "petition.repeats"
P_ROUTED = "petition.routed"  # dimension = department
P_ROUTED_ON_TIME = "petition.routed_on_time"
P_ACCEPTED = "petition.accepted"
P_ACCEPTED_ON_TIME = "petition.accepted_on_time"
P_RETURNED = "petition.returned"
P_EXTENDED = "petition.extended"  # amount = extension days
P_REPLIED = "petition.replied"
P_REPLIED_ON_TIME = "petition.replied_on_time"
P_RATED = "petition.rated"
P_SATISFIED = "petition.satisfied"  # 满意 + 基本满意
P_RATED_BY_LEVEL = "petition.rated.by_level"
P_CLOSED = "petition.closed"
P_OVERDUE = "petition.overdue"  # flow: deadlines missed, dimension = deadline kind
P_SUPERVISED = "petition.supervised"
P_REVIEWS = "petition.reviews_requested"  # dimension = review level
P_REVIEWS_DECIDED = "petition.reviews_decided"  # dimension = outcome
# marks (now)
P_OPEN = "petition.open"  # key = matter id
P_OVERDUE_OPEN = "petition.overdue_open"  # key = matter id:deadline, dimension = deadline kind
P_DUE_SOON_OPEN = "petition.due_soon_open"  # DeadlineApproaching not yet met or overdue; key/dimension as above

# ----- 安全生产 safety -----------------------------------------------------------------------------
S_ENTERPRISES = "safety.enterprises_registered"  # dimension = industry
S_INSPECTIONS = "safety.inspections"  # dimension = inspection kind, amount = findings
S_HAZARDS_FOUND = "safety.hazards_found"  # dimension = level
S_PLANS = "safety.rectification_plans"
S_RECTIFICATIONS_REPORTED = "safety.rectifications_reported"
S_RECTIFIED = "safety.hazards_rectified"  # by rectified day, dimension = level
S_RECTIFIED_ON_TIME = "safety.hazards_rectified_on_time"
S_RECTIFIED_COHORT = "safety.hazards_rectified_cohort"  # by the hazard's found day
S_REINSPECTIONS_FAILED = "safety.reinspections_failed"
S_HAZARDS_OVERDUE = "safety.hazards_overdue"  # flow, dimension = level
S_PENALTIES = "safety.penalties"  # dimension = target, amount = yuan
S_CLOSURES_PROPOSED = "safety.closures_proposed"
S_SUSPENSIONS = "safety.suspensions"  # dimension = reason
S_RESUMPTIONS = "safety.resumptions"
S_PERMIT_CHANGES = "safety.permit_changes"  # dimension = new status
S_ACCIDENTS = "safety.accidents"  # dimension = grade, amount = direct loss (yuan)
S_ACCIDENT_DEATHS = "safety.accident_deaths"  # count = deaths
S_ACCIDENT_INJURIES = "safety.accident_serious_injuries"  # count = serious injuries
S_LATE_ACCIDENT_REPORTS = "safety.late_accident_reports"  # dimension = grade
# marks (now)
S_HAZARDS_OPEN = "safety.hazards_open"  # key = hazard id, dimension = level
S_HAZARDS_OVERDUE_OPEN = "safety.hazards_overdue_open"
S_MAJOR_SUPERVISED = "safety.major_hazards_supervised"
S_SUSPENDED = "safety.enterprises_suspended"  # key = enterprise id
S_SERIOUS_ACCIDENTS = "safety.serious_accidents"  # 较大 and above, key = accident id, dimension = grade (kept)
S_ENTERPRISE_NAMES = "safety.enterprise_names"  # lookup, key = enterprise id, attrs = name (never closed)

# ----- 志愿服务 volunteer --------------------------------------------------------------------------
V_REQUESTS = "volunteer.requests"  # dimension = category
V_APPROVED = "volunteer.approved"
V_REJECTED = "volunteer.rejected"
V_DISPATCHES = "volunteer.dispatches"  # every attempt, dimension = team level
V_DISPATCHED_REQUESTS = "volunteer.dispatched_requests"  # first attempts only
V_ACCEPTED = "volunteer.accepted"  # dimension = team level
V_GRABBED = "volunteer.grabbed"
V_DECLINED = "volunteer.declined"
V_ESCALATIONS = "volunteer.escalations"  # dimension = level escalated to
V_MANUAL_DISPATCH = "volunteer.manual_dispatch"
V_STARTED = "volunteer.started"
V_COMPLETED = "volunteer.completed"  # by completed day, dimension = category
V_COMPLETED_COHORT = "volunteer.completed_cohort"  # by the request's submitted day
V_CANCELLED = "volunteer.cancelled"
V_RATED = "volunteer.rated"  # amount = stars
V_SATISFIED = "volunteer.satisfied"  # 4 or 5 stars
V_RATED_BY_STARS = "volunteer.rated.by_stars"
V_PERSON_TIMES = "volunteer.person_times"  # count = 人次 (requests' volunteers + activities' person-times)
V_HOURS = "volunteer.hours"  # count = hour records, amount = hours (HoursRecorded)
V_ACTIVITIES = "volunteer.activities"  # dimension = activity type
V_TEAMS_REGISTERED = "volunteer.teams_registered"  # dimension = level
# samples (minutes from 点单)
V_MINUTES_TO_DISPATCH = "volunteer.minutes_to_dispatch"
V_MINUTES_TO_ACCEPT = "volunteer.minutes_to_accept"
V_MINUTES_TO_COMPLETE = "volunteer.minutes_to_complete"
# marks / presences
V_OPEN = "volunteer.requests_open"  # key = request id
V_AWAITING_MANUAL = "volunteer.awaiting_manual_dispatch"  # key = request id, until dispatched or closed
V_ACTIVE_TEAMS = "volunteer.active_teams"  # presence, key = team id

# ----- 驻村联户 liaison ----------------------------------------------------------------------------
L_CADRE_WEEKS = "liaison.cadre_weeks"  # week_closed, by the week's Thursday; amount = required days
L_CADRE_WEEKS_MET = "liaison.cadre_weeks_met"  # of them, met the seasonal minimum
L_VISITS = "liaison.visits"  # visit_recorded, by the visit day
L_PROBLEMS = "liaison.problems_raised"  # problem_raised, dimension = 民情台账 heading
L_PROBLEMS_RESOLVED = "liaison.problems_resolved_cohort"  # field-visit matters replied, by registered day, by heading
L_PROBLEMS_ON_TIME = "liaison.problems_on_time_cohort"  # of them, replied by the reply deadline
# presences
L_HOUSEHOLDS_VISITED = "liaison.households_visited"  # key = household id, day = visit day
L_HOUSEHOLDS_PAIRED = "liaison.households_paired"  # key = household id, day = pairing day (read cumulatively)
