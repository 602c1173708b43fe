"""Jobs: the records and objects of a job (store), uploads, the worker and the sweep."""
