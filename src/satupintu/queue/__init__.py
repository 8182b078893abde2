"""The queue: tickets, the operator console, display boards and the control room."""
