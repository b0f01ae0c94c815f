"""The public site: a map of the city's reports and its answers, open data, and a web form.

Everything shown here is the public view (report_queries without notes or hidden reports):
no note, no resident, no photo staff did not publish, whoever asks.
"""
