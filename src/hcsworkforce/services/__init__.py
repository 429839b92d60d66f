"""Service functions: load through the store, call an engine, return a typed result that every view renders
(terminal table, JSON, CSV, XLSX, HTML page). The CLI, the API and the web pages all call these."""
