"""Pure domain of the liaison service (干部直接联系群众 / 驻村联户): no I/O, no clock, no frameworks.

presence_rule (the seasonal weekly minimum) · enums · events · stationing · conduct (五不准) · household
(members, help plan, pairing, contact card) · visit (民情记录簿) · ledger (民情台账 headings)
"""
