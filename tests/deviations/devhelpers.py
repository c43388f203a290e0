"""Constants of the deviation tests (fixtures are in conftest.py)."""

UNN_HANDLER = "avvik.meldinger@unn.example.no"
UNN_LEADER = "klinikksjef@unn.example.no"
INNLAGT = "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"
