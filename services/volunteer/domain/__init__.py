"""Pure domain of the volunteer service (新时代文明实践 志愿服务): no I/O, no clock, no frameworks.

enums · divisions · network · dispatch · lifecycle · request_state · request · hours · record
· activity · events
"""
