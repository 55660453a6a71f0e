// Package dataset reads and writes JSONL files in TRL's dataset formats,
// one record per line, streamed: a file of any size is read a line at a
// time and never held whole.
//
// Each record type is one of TRL's dataset types, with TRL's column names:
//
//	type              standard                                          conversational
//	Preference        {"prompt": "The sky is", "chosen": " blue.",     {"prompt": [{"role": "user", "content": "..."}],
//	                   "rejected": " green."}                           "chosen": [{"role": "assistant", ...}], "rejected": [...]}
//	Unpaired          {"prompt": "The sky is", "completion": " blue.", the same with lists of messages, "label" a boolean
//	                   "label": true}
//	PromptOnly        {"prompt": "The sky is"}                          {"prompt": [{"role": "user", "content": "..."}]}
//	PromptCompletion  {"prompt": "The sky is", "completion": " blue."}  the same with lists of messages
//	LanguageModeling  {"text": "The sky is blue."}                      {"messages": [{"role": "user", ...}, ...]}
//
// A field is a Text: a plain string (TRL's standard format) or a non-empty
// list of messages, each an object with string "role" and "content"
// (the conversational format). All the fields of one record have the same
// format, as TRL decides a record's format from any one of them. A
// preference record may leave out "prompt" (TRL's implicit prompt: the
// prompt is the common start of "chosen" and "rejected").
//
// Reading is strict about the columns a type has and tolerant of the rest:
// a missing column, a value of the wrong JSON type, a message without a
// string "role" or "content", mixed formats, invalid JSON or invalid UTF-8
// is an error that names the line and the field
// (dataset: line 7: "chosen" is missing); other columns (a dataset's
// "answer", "source", ...) and other keys of a message are ignored, so a
// PromptOnly reader reads the prompts of any of these files. Keys match
// exactly, with case, as in Python. Writing produces exactly the type's
// columns, in the order above, one compact JSON object a line, and keeps
// one type a column in a file, as Hugging Face datasets needs: every
// record has the first one's format, and a preference file has a prompt in
// all records or in none.
//
// The files load unchanged with Hugging Face's
// load_dataset("json", data_files=...) and train with TRL's trainers
// (DPO and the other preference trainers, KTO for unpaired, GRPO and RLOO
// for prompt-only, SFT for prompt-completion and language modeling);
// OpenRLHF reads the same columns when its flags name them
// (--prompt_key, --chosen_key, --rejected_key, --apply_chat_template for
// the conversational format).
//
// References: TRL, "Dataset formats and types",
// https://huggingface.co/docs/trl/dataset_formats.
package dataset
