"""The PySide6 application and the `dti-desk` command line: thin layers over forms/ and local_db/."""
