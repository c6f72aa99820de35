DATE_FORMAT = "Y년 n월 j일"  # 2026년 12월 2일
# 24-hour: Django's "g:i A" put 오전/오후 after the time ("7:03 오전"), where Korean writes it
# before, and its short forms ("Y-n-j") were a third style.
TIME_FORMAT = "H:i"  # 07:03
DATETIME_FORMAT = "Y년 n월 j일 H:i"  # 2026년 12월 2일 07:03
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
MONTH_DAY_FORMAT = "n월 j일"  # 12월 2일
YEAR_MONTH_FORMAT = "Y년 n월"  # 2026년 12월
LONG_DATE_FORMAT = "Y년 n월 j일 l"  # 2026년 12월 2일 수요일
