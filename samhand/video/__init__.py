"""Video cooperation (S15–S18): rooms and equipment, UNN's service catalogue, meetings with
their security checklist, the meeting provider (Jitsi with JWT), invitations and video plans."""
