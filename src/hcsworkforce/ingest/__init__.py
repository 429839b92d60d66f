"""Reading and validating files: ESR reports, public NHS statistics, survey, directory, scenario YAML.

Nothing here writes: the import job that loads a census is hcsworkforce.services.imports.
"""
