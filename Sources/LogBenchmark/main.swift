import EventLog
import GRDB
print(EventLogWarmup.v())
