"""serve stage: use a trained reward model: ``score`` a file from the shell or Python (an HTTP
server for RLHF stacks is planned, issue 12)."""
