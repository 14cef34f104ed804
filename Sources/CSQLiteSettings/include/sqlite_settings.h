#ifndef GONGFU_SQLITE_SETTINGS_H
#define GONGFU_SQLITE_SETTINGS_H

/// Turns off SQLite's memory statistics for the process (SQLITE_CONFIG_MEMSTATUS = 0), so that
/// its allocations no longer take a process-wide mutex. sqlite3_config is variadic, which Swift
/// cannot call. Effective only before SQLite initialises (the first connection opens); returns
/// SQLITE_OK (0) then, SQLITE_MISUSE (21) after.
int gongfu_sqlite_disable_memory_statistics(void);

#endif
