SET schema = '{schema}';
