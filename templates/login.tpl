{{%AUTOESCAPE context="HTML"}}
<!-- login -->
