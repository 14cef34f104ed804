import EventLog
print(EventLogWarmup.v())
