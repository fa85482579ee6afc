{{%AUTOESCAPE context="HTML"}}
{{! The end of every page; closes what layout_head.tpl opened. }}
</main>
<footer class="footer">bambufarm</footer>
</body>
</html>
