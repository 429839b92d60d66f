"""Plain typed records and the column contracts between the store and the engines. No I/O."""
