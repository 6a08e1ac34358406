"""Pure domain of the safety service (安监): no I/O, no clock, no frameworks.

enums · _guards · credit_code · enterprise · checklist · inspection · plan · hazard_rules · hazard
· overdue · campaign · penalty · closure · accident · events
"""
