-- Supabase Storage buckets (run only when storage.buckets exists).
SELECT id, public, file_size_limit, allowed_mime_types
FROM storage.buckets
ORDER BY id
