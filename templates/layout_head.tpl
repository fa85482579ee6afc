{{%AUTOESCAPE context="HTML"}}
<!-- layout_head -->
