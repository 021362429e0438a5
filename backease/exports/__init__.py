"""Exports and imports of a person's stored data (see docs/exports.md).

- `csv_export`: sessions, steps and pain diary entries as CSV.
- `backup`: a full JSON backup and its lossless restore into an empty store.
- `fhir`: pain and stress as a FHIR R4 Bundle of Observations, and the programme as a CarePlan.
- `ics`: the planned sessions as an iCalendar file (one weekly event).
- `report`: the one-page report for a clinician (HTML), with `charts` (server-drawn SVG),
  which the insights pages and the clinic's client page draw too.

Each submodule imports Django models, so import them only once Django is set up
(the CLI imports them inside its commands). This package itself imports nothing.
"""
