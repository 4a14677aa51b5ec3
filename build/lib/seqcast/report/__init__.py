"""What people read: terminal tables, figures, and the files of a run directory."""
