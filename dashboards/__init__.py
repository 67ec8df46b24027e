"""County dashboards (issue 8): the figures county branch managers review, across the
domain apps, each section reading its app's data through aggregate queries (or the
summary tables tasks keep) within the manager's branch."""
