"""Work off the GUI thread: the training controller (a supervised child process, polled from a QThread) and
background tasks with one current task per view (the only package that touches QThread)."""
