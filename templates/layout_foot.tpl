{{%AUTOESCAPE context="HTML"}}
<!-- layout_foot -->
