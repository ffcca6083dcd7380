validate --rejects - tests/data/bad/service_date_outside_stay.csv
