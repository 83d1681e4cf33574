"""rectrack, the application: one composition root and the front ends over it."""
