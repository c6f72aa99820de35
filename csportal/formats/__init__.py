"""Date and time formats per language (FORMAT_MODULE_PATH), one for each kind of value.

Pages show a moment as DATETIME_FORMAT, a day as DATE_FORMAT, a time of day as TIME_FORMAT
(csportal.dates, and static/js/formats.js with the same strings from the JavaScript
catalog). The SHORT_ forms equal the long ones, so no page can show a second style. What is
not set here is Django's own format for the language.

The weekday-and-date form (LONG_DATE_FORMAT) is ours: Django has no setting for it.
"""
