"""Jobs: the records and objects of a job (table, objects), uploads, the worker and the sweep."""
